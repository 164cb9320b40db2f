"""The feed: the event log as the viewer may see it, newest first.

Visibility is decided by joining each event's *scope* (the post or task it belongs to) with
the same SQL predicates that guard posts and tasks, rather than from the envelope stored with
the event. Why: one rule for lists, node(id) and the feed, so they can never disagree; the
feed follows today's truth (someone removed from a task stops seeing its history, a deleted
post's entries disappear with it); and the predicates already sit on indexes. The envelope is
for live subscribers, who must decide in memory without a query per event.

CRM events follow the same idea with the access policy: the record (the scope) must pass the
viewer's read filter now, and the fields the viewer's roles hide on the record as the event
left it are dropped from ``changes`` (resolvers/crm/event_access.py), in memory per event.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import replace

from sqlalchemy import ColumnElement, Select, and_, or_, select

from auth.policy import CompiledPolicy
from models import Comment, Event
from resolvers.batches import one_per_key
from resolvers.comments import COMMENT
from resolvers.context import RequestContext
from resolvers.crm.event_access import (
    masked_changes,
    refuse_telling_kinds,
    seen_kind,
    visible_crm_events,
)
from resolvers.cursors import encode_cursor
from resolvers.errors import not_found
from resolvers.pagination import Page, PageRequest, SortKey, fetch_page
from resolvers.posts.access import visible_post_ids
from resolvers.tasks.access import visible_task_ids
from subscriptions.events import EventKind
from subscriptions.records import EventRecord

# Events per statement when a subscription replays what it missed.
REPLAY_BATCH = 500

# Only the seq, so that a live ``feed(after:)`` subscription can resume from any edge.
FEED_KEYS = [SortKey(Event.seq, descending=True)]


def feed_cursor(seq: int) -> str:
    return encode_cursor([seq])


def visible_event(policy: CompiledPolicy) -> ColumnElement[bool]:
    viewer = policy.viewer
    return and_(
        or_(
            and_(Event.scope_type == "POST", Event.scope_id.in_(visible_post_ids(viewer))),
            and_(Event.scope_type == "TASK", Event.scope_id.in_(visible_task_ids(viewer))),
            visible_crm_events(policy),
        ),
        # A deleted comment takes its entries (and the text they carry) with it, as a
        # deleted post or task does.
        or_(Event.subject_type != COMMENT, Event.subject_id.in_(select(Comment.id))),
    )


def as_seen(policy: CompiledPolicy, event: Event | EventRecord) -> EventRecord:
    """The event as the viewer sees it: a frozen record, never the row itself (a masked row
    could be flushed back), without the fields hidden from the viewer, and of the kind it
    shows as (``seen_kind``)."""
    record = event if isinstance(event, EventRecord) else EventRecord.of(event)
    changes = masked_changes(policy, record.envelope, record.changes)
    kind = seen_kind(policy, record.envelope, record.kind)
    # Nothing hidden (the common case, once per subscriber and event live): no copy.
    if changes is record.changes and kind == record.kind:
        return record
    return replace(record, changes=changes, kind=kind)


async def get_event(ctx: RequestContext, seq: int) -> EventRecord:
    event = await ctx.loader(events_by_seq).load(seq)
    if event is None:
        raise not_found("FeedEvent", seq)
    return event


async def events_by_seq(ctx: RequestContext, seqs: list[int]) -> Sequence[EventRecord | None]:
    """The feed events, as the viewer sees them; None for the others and unknown ones."""
    policy = ctx.require_policy()
    visible = select(Event).where(Event.seq.in_(seqs), visible_event(policy))
    async with ctx.db() as session:
        rows = (await session.execute(visible)).scalars().all()
    seen = [as_seen(policy, row) for row in rows]
    return one_per_key(seen, lambda event: event.seq, seqs)


async def list_feed(
    ctx: RequestContext, kinds: frozenset[EventKind], page: PageRequest
) -> Page[EventRecord]:
    policy = ctx.require_policy()
    names = [kind.value for kind in kinds]
    refuse_telling_kinds(policy, names)
    statement: Select[tuple[Event]] = select(Event).where(visible_event(policy))
    if names:
        statement = statement.where(Event.kind.in_(names))
    found = await fetch_page(ctx, statement, FEED_KEYS, page)
    return Page(
        items=[as_seen(policy, event) for event in found.items],
        cursors=found.cursors,
        has_next_page=found.has_next_page,
        has_previous_page=found.has_previous_page,
        count_total=found.count_total,
    )


async def feed_since(
    ctx: RequestContext, kinds: Collection[str], after_seq: int, through_seq: int | None
) -> AsyncIterator[EventRecord]:
    """What the `feed` query shows after ``after_seq`` (up to ``through_seq``), oldest
    first: a subscription's replay, under the same rule as the query. Read in batches, each
    under the viewer's policy of the moment, the session released between them."""
    while True:
        policy = ctx.require_policy()
        statement = select(Event).where(visible_event(policy), Event.seq > after_seq)
        if through_seq is not None:
            statement = statement.where(Event.seq <= through_seq)
        if kinds:
            statement = statement.where(Event.kind.in_(kinds))
        async with ctx.db() as session:
            rows = await session.scalars(statement.order_by(Event.seq).limit(REPLAY_BATCH))
            batch = [as_seen(policy, row) for row in rows]
        await ctx.release()
        for record in batch:
            # A kind asked for that now shows as another (the viewer's rights changed) is
            # not the one asked for.
            if not kinds or record.kind in kinds:
                yield record
        if len(batch) < REPLAY_BATCH:
            return
        after_seq = batch[-1].seq
