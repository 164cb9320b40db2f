"""Live streams for GraphQL subscriptions: who may see which event, decided in memory.

A subscriber's facts (its departments, the departments it heads) are read once when it
subscribes; every event is then checked against the envelope stored with it, without a
query, so one event reaching N subscribers costs the pump's one read, not N. The checks
mirror the SQL predicates of resolvers/posts/access.py and resolvers/tasks/access.py; CRM
events are judged by the subscriber's compiled access policy (``policy.allows(READ, …)`` on
the stored envelope) and lose the fields it hides, like the ``feed`` query's.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Collection
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from auth.policy import CompiledPolicy
from auth.viewer import Viewer
from models import Department
from resolvers.access.cache import cache_key
from resolvers.context import RequestContext
from resolvers.crm.event_access import CRM_SCOPES, sees_crm_event
from resolvers.cursors import decode_cursor
from resolvers.errors import Conflict, Forbidden, RateLimited, Unauthenticated
from resolvers.feed import FEED_KEYS, as_seen
from resolvers.notifications import LiveNotification
from subscriptions.express import Express
from subscriptions.hub import Closed, Overflowed
from subscriptions.records import EventRecord
from subscriptions.streams import follow

# Websocket close codes: 4401 as graphql-transport-ws uses it (log in again); 4410 (ours,
# outside the protocol's own codes) asks the client to subscribe again from its last cursor.
CLOSE_UNAUTHORIZED = 4401
CLOSE_RESUBSCRIBE = 4410


@dataclass(frozen=True)
class Audience:
    user_id: int
    is_admin: bool
    # The viewer's department and every one above it.
    ancestry: frozenset[int]
    # Paths of the departments the viewer heads: it sees tasks of people in them and below.
    headed_paths: tuple[str, ...]
    # Compiled when the subscription opened: a later change of roles applies to the next
    # subscription (role changes do not revoke open ones yet; see docs/collaboration.md).
    policy: CompiledPolicy

    def sees(self, envelope: dict[str, Any]) -> bool:
        if self.is_admin:
            return True
        entity = envelope.get("entity")
        if entity == "POST":
            return self._sees_post(envelope)
        if entity == "TASK":
            return self._sees_task(envelope)
        if entity in CRM_SCOPES:
            return sees_crm_event(self.policy, envelope)
        return False  # unknown kinds of record stay private by default

    def _sees_post(self, envelope: dict[str, Any]) -> bool:
        return bool(
            envelope.get("author") == self.user_id
            or envelope.get("all")
            or self.user_id in envelope.get("userIds", ())
            or self.ancestry.intersection(envelope.get("departmentIds", ()))
        )

    def _sees_task(self, envelope: dict[str, Any]) -> bool:
        if self.user_id in envelope.get("participants", ()):
            return True
        paths: list[str] = envelope.get("departmentPaths", [])
        return any(path.startswith(head) for head in self.headed_paths for path in paths)


async def audience_of(ctx: RequestContext, viewer: Viewer) -> Audience:
    async with ctx.db() as session:
        headed = await session.scalars(
            select(Department.path).where(Department.head_id == viewer.user_id)
        )
        paths = tuple(headed)
    ancestry = frozenset(int(part) for part in viewer.department_path.split("/") if part)
    return Audience(viewer.user_id, viewer.is_admin, ancestry, paths, ctx.require_policy())


async def feed_stream(
    ctx: RequestContext,
    after: str | None,
    kinds: Collection[str],
    express: Express[EventRecord] | None = None,
) -> AsyncGenerator[EventRecord, None]:
    """The viewer's feed events in seq order, as the viewer sees them (hidden changes left
    out): replayed after ``after``, then live. Live events may go to ``express`` instead."""
    viewer = ctx.require_viewer()
    realtime = ctx.services.realtime
    if realtime is None:
        raise Forbidden("Subscriptions are not served by this process")
    after_seq = None if after is None else int(decode_cursor(after, FEED_KEYS, "after")[0])
    audience = await audience_of(ctx, viewer)
    await ctx.release()
    wanted = frozenset(kinds)

    def see(event: EventRecord) -> EventRecord | None:
        if (wanted and event.kind not in wanted) or not audience.sees(event.envelope):
            return None
        return as_seen(audience.policy, event)

    # Everything `see` reads: the viewer's standing (its policy, department) and the kinds.
    alike = ("feed", cache_key(viewer), audience.headed_paths, wanted)
    stream = follow(
        realtime.pump,
        realtime.hub,
        see,
        viewer.user_id,
        after_seq,
        token_id=viewer.token_id,
        alike=alike,
        express=express,
    )
    async with ended_on_close(ctx), aclosing(stream):
        async for record in stream:
            yield record
            await ctx.release()


@asynccontextmanager
async def ended_on_close(ctx: RequestContext) -> AsyncIterator[None]:
    """When the server ends a stream, close the socket with a code that tells the client
    what to do, and answer with the matching error."""
    try:
        yield
    except Closed as closed:
        if closed.resubscribe:
            await _close(ctx, CLOSE_RESUBSCRIBE, str(closed))
            raise Conflict(str(closed)) from closed
        await _close(ctx, CLOSE_UNAUTHORIZED, str(closed))
        raise Unauthenticated(str(closed)) from closed
    except Overflowed as overflowed:
        await _close(ctx, CLOSE_RESUBSCRIBE, str(overflowed))
        raise RateLimited(str(overflowed)) from overflowed


async def _close(ctx: RequestContext, code: int, reason: str) -> None:
    if ctx.close_connection is not None:
        await ctx.close_connection(code, reason)


async def notification_stream(
    ctx: RequestContext, express: Express[LiveNotification] | None = None
) -> AsyncGenerator[LiveNotification, None]:
    """The viewer's new notifications, live, as they are committed."""
    viewer = ctx.require_viewer()
    realtime = ctx.services.realtime
    if realtime is None:
        raise Forbidden("Subscriptions are not served by this process")
    await ctx.release()

    def see(event: EventRecord) -> LiveNotification | None:
        return LiveNotification.for_user(event, viewer.user_id)

    stream = follow(
        realtime.pump,
        realtime.hub,
        see,
        viewer.user_id,
        token_id=viewer.token_id,
        alike=("notifications", viewer.user_id),
        express=express,
    )
    async with ended_on_close(ctx), aclosing(stream):
        async for notification in stream:
            yield notification
            await ctx.release()
