"""The feed: the event log as the viewer may see it, newest first.

Visibility is decided by joining each event's *scope* (the post or task it belongs to) with
the same SQL predicates that guard posts and tasks, rather than from the envelope stored with
the event. Why: one rule for lists, node(id) and the feed, so they can never disagree; the
feed follows today's truth (someone removed from a task stops seeing its history, a deleted
post's entries disappear with it); and the predicates already sit on indexes. The envelope is
for live subscribers, who must decide in memory without a query per event.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, or_, select

from auth.viewer import Viewer
from models import Event
from resolvers.context import RequestContext
from resolvers.errors import NotFound
from resolvers.pagination import Page, PageRequest, SortKey, encode_cursor, fetch_page
from resolvers.posts.access import visible_post_ids
from resolvers.tasks.access import visible_task_ids
from subscriptions.events import EventKind

# Only the seq, so that a live ``feed(after:)`` subscription can resume from any edge.
FEED_KEYS = [SortKey(Event.seq, descending=True)]


def feed_cursor(seq: int) -> str:
    return encode_cursor([seq])


def visible_event(viewer: Viewer) -> ColumnElement[bool]:
    return or_(
        and_(Event.scope_type == "POST", Event.scope_id.in_(visible_post_ids(viewer))),
        and_(Event.scope_type == "TASK", Event.scope_id.in_(visible_task_ids(viewer))),
    )


async def get_event(ctx: RequestContext, seq: int) -> Event:
    viewer = ctx.require_viewer()
    async with ctx.db() as session:
        event = (
            await session.execute(select(Event).where(Event.seq == seq, visible_event(viewer)))
        ).scalar_one_or_none()
    if event is None:
        raise NotFound(f"No feed event with id {seq}", field="id")
    return event


async def list_feed(
    ctx: RequestContext, kinds: frozenset[EventKind], page: PageRequest
) -> Page[Event]:
    viewer = ctx.require_viewer()
    statement: Select[tuple[Event]] = select(Event).where(visible_event(viewer))
    if kinds:
        statement = statement.where(Event.kind.in_([kind.value for kind in kinds]))
    return await fetch_page(ctx, statement, FEED_KEYS, page)
