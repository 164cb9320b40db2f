"""Two processes' worth of real-time machinery sharing one database and one Redis."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from crmhub.database import create_session_factory
from subscriptions.bus import Bus
from subscriptions.events import EventKind, record_event
from subscriptions.realtime import Realtime
from subscriptions.streams import follow
from tests.factories import Seed
from tests.redis_server import private_redis


async def _post_event(realtime: Realtime, seed: Seed, number: int) -> None:
    async with realtime.pump.session_factory() as session:
        await record_event(
            session,
            EventKind.POST_CREATED,
            actor_id=seed.admin.id,
            subject=("POST", number),
            scope=("POST", number),
            changes={},
            envelope={"entity": "POST", "all": True},
        )
        await session.commit()


def _process(engine: AsyncEngine, redis_url: str, poll_interval: float) -> Realtime:
    bus = Bus(redis_url)
    realtime = Realtime(create_session_factory(engine, bus), bus)
    realtime.pump.poll_interval = poll_interval
    return realtime


async def test_an_event_written_on_one_process_reaches_the_other_through_redis(
    engine: AsyncEngine, seed: Seed, tmp_path: Path
) -> None:
    with private_redis(tmp_path) as redis_server:
        # A poll too slow to matter: only the bus can deliver in time.
        writer = _process(engine, redis_server.url, poll_interval=60)
        reader = _process(engine, redis_server.url, poll_interval=60)
        await writer.start()
        await reader.start()
        try:
            await asyncio.sleep(0.1)  # let the reader's pump read the log's end
            stream = follow(reader.pump, reader.hub, lambda event: event, seed.member.id)
            pending = asyncio.ensure_future(asyncio.wait_for(anext(stream), 5))
            await asyncio.sleep(0.05)
            started = time.monotonic()
            await _post_event(writer, seed, 1)
            received = await pending
            assert received.subject_id == 1
            assert time.monotonic() - started < 2
            await stream.aclose()
        finally:
            await writer.stop()
            await reader.stop()


async def test_redis_outage_loses_no_committed_event(
    engine: AsyncEngine, seed: Seed, tmp_path: Path
) -> None:
    with private_redis(tmp_path) as redis_server:
        writer = _process(engine, redis_server.url, poll_interval=0.5)
        reader = _process(engine, redis_server.url, poll_interval=0.5)
        await writer.start()
        await reader.start()
        try:
            await asyncio.sleep(0.1)
            stream = follow(reader.pump, reader.hub, lambda event: event, seed.member.id)
            received: list[int] = []
            all_six = asyncio.Event()

            async def consume() -> None:
                async for event in stream:
                    received.append(event.subject_id)
                    if len(received) == 6:
                        all_six.set()

            consumer = asyncio.ensure_future(consume())
            await asyncio.sleep(0.05)
            await _post_event(writer, seed, 1)
            redis_server.stop()
            for number in range(2, 6):
                started = time.monotonic()
                await _post_event(writer, seed, number)  # writes go on while Redis is down
                assert time.monotonic() - started < 1
            redis_server.start()
            await _post_event(writer, seed, 6)
            await asyncio.wait_for(all_six.wait(), 15)
            assert received == [1, 2, 3, 4, 5, 6]
            consumer.cancel()
        finally:
            await writer.stop()
            await reader.stop()
