"""Concurrent writers on PostgreSQL: the log's seq follows commit order, so a reader that
follows it, or resumes from any cursor, sees every event exactly once and in order."""

from __future__ import annotations

import asyncio
import random

import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from models import Event, SessionFactory
from subscriptions.events import EventKind, record_event
from subscriptions.realtime import Realtime
from subscriptions.streams import follow
from tests.factories import Seed

WRITERS = 8
CHANGES_PER_WRITER = 200
TOTAL = WRITERS * CHANGES_PER_WRITER


async def _writer(session_factory: SessionFactory, seed: Seed, writer: int) -> None:
    for change in range(CHANGES_PER_WRITER):
        async with session_factory() as session:
            await record_event(
                session,
                EventKind.POST_UPDATED,
                actor_id=seed.admin.id,
                subject=("POST", writer * 1000 + change),
                scope=("POST", writer * 1000 + change),
                changes={},
                envelope={"entity": "POST", "all": True},
            )
            await session.commit()


async def test_eight_concurrent_writers_and_a_reader_resuming_anywhere(
    app: Starlette, seed: Seed
) -> None:
    realtime: Realtime = app.state.realtime
    session_factory: SessionFactory = app.state.services.session_factory
    if app.state.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time; the race needs PostgreSQL")
    await realtime.pump.drain()
    live = follow(realtime.pump, realtime.hub, lambda event: event, seed.member.id)
    received: list[int] = []

    async def read_all() -> None:
        async for event in live:
            received.append(event.seq)
            if len(received) == TOTAL:
                return

    reader = asyncio.ensure_future(read_all())
    await asyncio.sleep(0.05)
    await asyncio.gather(*(_writer(session_factory, seed, index) for index in range(WRITERS)))
    await asyncio.wait_for(reader, 60)
    await live.aclose()

    async with session_factory() as session:
        committed = list(await session.scalars(select(Event.seq).order_by(Event.seq)))
    assert received == committed[-TOTAL:]
    assert len(set(received)) == TOTAL

    generator = random.Random(7)
    for cursor in generator.sample(received, 5):
        replayed = [event.seq async for event in realtime.pump.replay(cursor)]
        assert replayed == [seq for seq in committed if seq > cursor]
