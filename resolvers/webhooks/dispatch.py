"""Turning the event log into deliveries: each event, once per webhook, in seq order.

Each webhook keeps a cursor over ``events.seq``. A pass locks the webhook's row (FOR UPDATE
on PostgreSQL; SQLite's one write lock), reads the events after the cursor, inserts a
delivery for each one the webhook is sent and advances the cursor, in one transaction: two
processes dispatching at once make each delivery exactly once, and a crash leaves the
cursor where the rows it made end.

What is sent is what the webhook's owner may see, judged as their live ``feed``
subscription judges it (resolvers/live.py): in memory, on the envelope stored with the
event, under the owner's policy of the moment, with the fields hidden from them left out.
The body is fixed here, so every attempt sends the same bytes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.tokens import current_standing
from auth.viewer import Viewer
from models import BACKGROUND, Event, Webhook, WebhookDelivery, utcnow
from resolvers.access.loading import policy_for
from resolvers.context import Services
from resolvers.live import Audience, FeedWatch
from resolvers.live_sight import Sight, headed_paths
from resolvers.locking import lock_for_write
from resolvers.webhooks.payload import payload_of
from subscriptions.records import EventRecord

BATCH_SIZE = 500


async def dispatch_events(services: Services) -> int:
    """Makes the deliveries of every event after each active webhook's cursor; returns how
    many it made."""
    async with services.session_factory() as session:
        end = select(func.coalesce(func.max(Event.seq), 0)).scalar_subquery()
        behind = await session.execute(
            select(Webhook.id, Webhook.owner_id)
            .where(Webhook.active.is_(True), Webhook.cursor_seq < end)
            .order_by(Webhook.id)
            .execution_options(**BACKGROUND)
        )
        webhooks = behind.all()
    made = 0
    for webhook_id, owner_id in webhooks:
        watch = await _owner_watch(services, owner_id)
        while True:
            count, more = await _dispatch_batch(services, webhook_id, watch)
            made += count
            if not more:
                break
    return made


async def _owner_watch(services: Services, owner_id: int) -> Audience | None:
    """What the owner sees now; None once they are inactive (they see nothing)."""
    bare = Viewer(owner_id, False, None, "", token_id=0)
    async with services.session_factory() as session:
        current = await current_standing(session, bare)
        if current is None:
            return None
        headed = await headed_paths(session, owner_id)
    return Audience.of(Sight(current, await policy_for(services, current), headed))


async def _dispatch_batch(
    services: Services, webhook_id: int, audience: Audience | None
) -> tuple[int, bool]:
    """One batch of events for one webhook: (deliveries made, whether events remain)."""
    async with services.session_factory() as session:
        await lock_for_write(session, Webhook.id, webhook_id)
        webhook = await session.get(Webhook, webhook_id, populate_existing=True)
        if webhook is None or not webhook.active:
            return 0, False
        rows = await session.scalars(
            select(Event)
            .where(Event.seq > webhook.cursor_seq)
            .order_by(Event.seq)
            .limit(BATCH_SIZE)
            .execution_options(**BACKGROUND)
        )
        events = [EventRecord.of(row) for row in rows]
        if not events:
            return 0, False
        made = 0
        if audience is not None:
            watch = FeedWatch(audience, frozenset(webhook.event_kinds))
            now = utcnow()
            for event in events:
                seen = watch.see(event)
                if seen is None or not passes(webhook.filter, event.envelope):
                    continue
                session.add(_delivery(webhook_id, seen, now))
                made += 1
        webhook.cursor_seq = events[-1].seq
        await session.commit()
        return made, len(events) == BATCH_SIZE


async def deliver_to(
    services: Services, session: AsyncSession, webhook_id: int, event: EventRecord
) -> bool:
    """A delivery of ``event`` to one webhook whatever kinds it subscribes to (an automation
    rule's call), in ``session``'s transaction, as the webhook's owner sees the event. False
    when the webhook is gone or off, or when its owner may not see the event."""
    webhook = await session.get(Webhook, webhook_id)
    if webhook is None or not webhook.active:
        return False
    audience = await _owner_watch(services, webhook.owner_id)
    seen = None if audience is None else FeedWatch(audience, frozenset()).see(event)
    if seen is None:
        return False
    session.add(_delivery(webhook_id, seen, utcnow()))
    return True


def _delivery(webhook_id: int, seen: EventRecord, now: datetime) -> WebhookDelivery:
    return WebhookDelivery(
        webhook_id=webhook_id,
        event_seq=seen.seq,
        event_kind=seen.kind,
        subject_key=f"{seen.subject_type}:{seen.subject_id}",
        payload=payload_of(webhook_id, seen),
        status="PENDING",
        attempts=0,
        next_attempt_at=now,
    )


def passes(stored_filter: dict[str, Any], envelope: dict[str, Any]) -> bool:
    """The webhook's filter (resolvers/webhooks/admin.py) against the event's envelope."""
    return all(envelope.get(key) == value for key, value in stored_filter.items())
