"""The metrics of the layers below, gathered from the outside: the connection pool (its
events), the event log (what sessions commit), the bus (what it publishes) and the hub (what
it fans out), so that none of them needs to know about Prometheus."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session, UOWTransaction

from crmhub.metrics import (
    EVENT_LAG,
    EVENTS_DELIVERED,
    EVENTS_DISPATCHED,
    EVENTS_PUBLISHED,
    EVENTS_WRITTEN,
    POOL_CHECKOUTS,
    POOL_IN_USE,
    POOL_OPEN,
)
from models import Event
from subscriptions.bus import Bus
from subscriptions.hub import Hub
from subscriptions.records import EventRecord

_UNCOMMITTED_EVENTS_KEY = "crmhub.metrics.events"


class CountedBus(Bus):
    async def publish(self, message: str) -> bool:
        published = await super().publish(message)
        if published:
            EVENTS_PUBLISHED.inc()
        return published


def instrument_engine(engine: AsyncEngine) -> None:
    """Connections open and in use, counted from the pool's own events."""
    pool = engine.sync_engine.pool

    def opened(*_args: Any) -> None:
        POOL_OPEN.inc()

    def closed(*_args: Any) -> None:
        POOL_OPEN.dec()

    def checked_out(*_args: Any) -> None:
        POOL_CHECKOUTS.inc()
        POOL_IN_USE.inc()

    def checked_in(*_args: Any) -> None:
        POOL_IN_USE.dec()

    event.listen(pool, "connect", opened)
    # A detached connection leaves the pool's keeping: it no longer counts as the pool's.
    event.listen(pool, "close", closed)
    event.listen(pool, "detach", closed)
    event.listen(pool, "checkout", checked_out)
    event.listen(pool, "checkin", checked_in)


def observe_hub(hub: Hub) -> None:
    hub.on_fan_out = _fanned_out


def _fanned_out(record: EventRecord, handed: int) -> None:
    EVENTS_DISPATCHED.inc()
    if handed:
        EVENTS_DELIVERED.inc(handed)
    EVENT_LAG.observe(max(0.0, (datetime.now(UTC) - record.occurred_at).total_seconds()))


@event.listens_for(Session, "after_flush")
def _note_events(session: Session, _flush: UOWTransaction) -> None:
    written = sum(1 for row in session.new if isinstance(row, Event))
    if written:
        pending = session.info.get(_UNCOMMITTED_EVENTS_KEY, 0)
        session.info[_UNCOMMITTED_EVENTS_KEY] = pending + written


@event.listens_for(Session, "after_commit")
def _count_events(session: Session) -> None:
    written = session.info.pop(_UNCOMMITTED_EVENTS_KEY, 0)
    if written:
        EVENTS_WRITTEN.inc(written)


@event.listens_for(Session, "after_rollback")
def _forget_events(session: Session) -> None:
    session.info.pop(_UNCOMMITTED_EVENTS_KEY, None)
