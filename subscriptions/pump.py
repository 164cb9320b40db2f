"""The process's one reader of the event log: it feeds the hub in seq order.

Woken by the bus (another process committed events), by a reconnect (catch up on whatever
the bus lost) and by a slow poll (the safety net when the bus is down), it reads every event
after the last one it dispatched, in batches. One read serves every local subscriber, so
fanning an event out to N subscribers costs a constant number of statements, not N.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

from sqlalchemy import func, select

from models import BACKGROUND, Event, SessionFactory
from subscriptions.bus import stop_task
from subscriptions.hub import Hub
from subscriptions.records import EventRecord

log = logging.getLogger(__name__)

BATCH_SIZE = 500
POLL_INTERVAL_SECONDS = 1.0


class EventPump:
    def __init__(
        self,
        session_factory: SessionFactory,
        hub: Hub,
        poll_interval: float = POLL_INTERVAL_SECONDS,
    ) -> None:
        self.session_factory = session_factory
        self.hub = hub
        self.poll_interval = poll_interval
        # The last seq dispatched; None until the log's end was first read.
        self.last_seq: int | None = None
        self._wake = asyncio.Event()
        # Drains never overlap: two readers from the same last_seq would dispatch twice.
        self._draining = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        # Told after each batch is dispatched: the process's other readers of the log (the
        # webhook sender, the automation rules) wake on it.
        self.listeners: list[Callable[[], None]] = []

    async def start(self) -> None:
        """Start pumping from the log's current end (read in the background: the database
        may be down at start-up, and the app must still come up and say so on /readyz)."""
        self._task = asyncio.create_task(self._run(), name="event-pump")

    async def stop(self) -> None:
        if self._task is not None:
            await stop_task(self._task)
            self._task = None

    def wake(self) -> None:
        self._wake.set()

    async def on_bus_message(self, _message: str) -> None:
        self.wake()

    async def max_seq(self) -> int:
        async with self.session_factory() as session:
            statement = select(func.coalesce(func.max(Event.seq), 0)).execution_options(
                **BACKGROUND
            )
            return int(await session.scalar(statement) or 0)

    async def drain(self) -> None:
        """Dispatch every committed event after ``last_seq``."""
        async with self._draining:
            await self._drain()

    async def _drain(self) -> None:
        if self.last_seq is None:
            self.last_seq = await self.max_seq()
            self.hub.start_at(self.last_seq)
            return
        while True:
            batch = await self._read_after(self.last_seq)
            if batch:
                await self.hub.dispatch(batch)
                self.last_seq = batch[-1].seq
                for listener in self.listeners:
                    listener()
            if len(batch) < BATCH_SIZE:
                return

    async def replay(
        self, after_seq: int, through_seq: int | None = None
    ) -> AsyncIterator[EventRecord]:
        """Every committed event after ``after_seq`` (up to ``through_seq``), oldest first,
        read in batches."""
        while True:
            batch = await self._read_after(after_seq, through_seq)
            for record in batch:
                yield record
            if len(batch) < BATCH_SIZE:
                return
            after_seq = batch[-1].seq

    async def _read_after(self, seq: int, through_seq: int | None = None) -> list[EventRecord]:
        # A short-lived session per batch: nothing is held between wake-ups.
        statement = select(Event).where(Event.seq > seq)
        if through_seq is not None:
            statement = statement.where(Event.seq <= through_seq)
        async with self.session_factory() as session:
            rows = await session.scalars(
                statement.order_by(Event.seq).limit(BATCH_SIZE).execution_options(**BACKGROUND)
            )
            return [EventRecord.of(row) for row in rows]

    async def _run(self) -> None:
        while True:
            try:
                await self.drain()
            except Exception:
                log.exception("event pump failed to read the event log")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval)
            self._wake.clear()
