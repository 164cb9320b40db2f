"""Live streams for GraphQL subscriptions: who may see which event, decided in memory.

A subscriber's facts (its departments, the departments it heads, its policy) are read when
it subscribes and again after each change of rights (resolvers/live_sight.py); every live
event is checked against the envelope stored with it, without a query, so one event
reaching N subscribers costs the pump's one read, not N. The checks mirror the SQL
predicates of resolvers/posts/access.py and resolvers/tasks/access.py; CRM events are judged
by the subscriber's compiled access policy (``policy.allows(READ, …)`` on the stored
envelope) and lose the fields it hides, like the ``feed`` query's. Replay after a cursor is
the ``feed`` query's own rule over the log (resolvers/feed.py: ``feed_since``): what was
deleted or has left the viewer's sight since is not replayed.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Collection, Hashable
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from auth.policy import CompiledPolicy
from auth.viewer import Viewer
from resolvers.access.cache import cache_key
from resolvers.context import RequestContext
from resolvers.crm.event_access import CRM_SCOPES, refuse_telling_kinds, sees_crm_event
from resolvers.cursors import decode_cursor
from resolvers.errors import Conflict, RateLimited, Unauthenticated
from resolvers.feed import FEED_KEYS, as_seen, feed_since
from resolvers.live_sight import Sight, realtime_of, renewed_sight, sight_of
from resolvers.notifications import LiveNotification
from subscriptions.express import Express
from subscriptions.hub import Closed, Overflowed, See
from subscriptions.records import EventRecord
from subscriptions.streams import follow

# Websocket close codes: 4401 as graphql-transport-ws uses it (log in again); 4410 (ours,
# outside the protocol's own codes) asks the client to subscribe again from its last cursor
# (it fell too far behind).
CLOSE_UNAUTHORIZED = 4401
CLOSE_RESUBSCRIBE = 4410

FEED_SUBJECTS = CRM_SCOPES | {"POST", "TASK"}


@dataclass(frozen=True)
class Audience:
    user_id: int
    is_admin: bool
    # The viewer's department and every one above it.
    ancestry: frozenset[int]
    # Paths of the departments the viewer heads: it sees tasks of people in them and below.
    headed_paths: tuple[str, ...]
    policy: CompiledPolicy

    @classmethod
    def of(cls, sight: Sight) -> Audience:
        viewer = sight.viewer
        ancestry = frozenset(int(part) for part in viewer.department_path.split("/") if part)
        return cls(viewer.user_id, viewer.is_admin, ancestry, sight.headed_paths, sight.policy)

    def sees(self, envelope: dict[str, Any]) -> bool:
        entity = envelope.get("entity")
        # Events of no feed subject (notifications, unknown kinds) stay private, even to
        # administrators: the feed has no entry for them.
        if entity not in FEED_SUBJECTS:
            return False
        if self.is_admin:
            return True
        if entity == "POST":
            return self._sees_post(envelope)
        if entity == "TASK":
            return self._sees_task(envelope)
        return sees_crm_event(self.policy, envelope)

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


@dataclass(frozen=True)
class FeedWatch:
    """What one `feed` subscriber is shown of a live event: the kinds it asked for, judged
    by its audience and masked like the `feed` query."""

    audience: Audience
    kinds: frozenset[str]

    def see(self, event: EventRecord) -> EventRecord | None:
        if (self.kinds and event.kind not in self.kinds) or not self.audience.sees(event.envelope):
            return None
        seen = as_seen(self.audience.policy, event)
        # Rights may have changed since the kinds were accepted: a kind that now shows as
        # another is not the one asked for.
        return None if self.kinds and seen.kind not in self.kinds else seen

    def alike(self, viewer: Viewer) -> Hashable:
        """Everything ``see`` reads: the viewer's standing (policy, departments), the kinds."""
        return ("feed", cache_key(viewer), self.audience.headed_paths, self.kinds)


async def feed_stream(
    ctx: RequestContext,
    after: str | None,
    kinds: Collection[str],
    express: Express[EventRecord] | None = None,
) -> AsyncGenerator[EventRecord, None]:
    """The viewer's feed events in seq order, as the viewer sees them (hidden changes left
    out): replayed after ``after`` as the `feed` query shows them, then live. Live events
    may go to ``express`` instead. A change of rights applies from the next event on."""
    viewer = ctx.require_viewer()
    realtime = realtime_of(ctx)
    after_seq = None if after is None else int(decode_cursor(after, FEED_KEYS, "after")[0])
    wanted = frozenset(kinds)
    refuse_telling_kinds(ctx.require_policy(), wanted)
    watch = FeedWatch(Audience.of(await sight_of(ctx)), wanted)
    await ctx.release()

    async def renew(seq: int) -> tuple[See[EventRecord], Hashable]:
        renewed = FeedWatch(Audience.of(await renewed_sight(ctx, seq)), wanted)
        return renewed.see, renewed.alike(ctx.require_viewer())

    async def replay(after_seq: int, through: int | None) -> AsyncIterator[tuple[int, EventRecord]]:
        async for record in feed_since(ctx, wanted, after_seq, through):
            yield record.seq, record

    stream = follow(
        realtime.pump,
        realtime.hub,
        watch.see,
        viewer.user_id,
        after_seq,
        token_id=viewer.token_id,
        alike=watch.alike(viewer),
        express=express,
        renew=renew,
        replay=replay,
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
    realtime = realtime_of(ctx)
    await ctx.release()

    def see(event: EventRecord) -> LiveNotification | None:
        return LiveNotification.for_user(event, viewer.user_id)

    alike = ("notifications", viewer.user_id)

    async def renew(seq: int) -> tuple[See[LiveNotification], Hashable]:
        # What it is shown stays the same; nested objects are read under the new rights.
        await renewed_sight(ctx, seq)
        return see, alike

    stream = follow(
        realtime.pump,
        realtime.hub,
        see,
        viewer.user_id,
        token_id=viewer.token_id,
        alike=alike,
        express=express,
        renew=renew,
    )
    async with ended_on_close(ctx), aclosing(stream):
        async for notification in stream:
            yield notification
            await ctx.release()
