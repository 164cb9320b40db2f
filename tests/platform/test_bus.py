"""The supervised bus: delivery between processes, bounded publishing, reconnection."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from subscriptions.bus import Bus
from tests.redis_server import private_redis


class Inbox:
    def __init__(self) -> None:
        self.messages: list[str] = []
        self.connects = 0

    async def receive(self, message: str) -> None:
        self.messages.append(message)

    async def connected(self) -> None:
        self.connects += 1


async def _eventually(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


async def test_memory_bus_delivers_in_process() -> None:
    bus, inbox = Bus("memory://"), Inbox()
    await bus.start(inbox.receive, inbox.connected)
    try:
        assert await bus.publish("hello")
        await _eventually(lambda: inbox.messages == ["hello"])
        assert inbox.connects == 1
    finally:
        await bus.stop()


async def test_two_processes_on_redis_see_each_others_messages(tmp_path: Path) -> None:
    # Also the guard against broadcaster + redis-py 8, which delivers nothing at all.
    with private_redis(tmp_path) as redis_server:
        sender, receiver, inbox = Bus(redis_server.url), Bus(redis_server.url), Inbox()
        await sender.start()
        await receiver.start(inbox.receive, inbox.connected)
        try:
            for index in range(5):
                assert await sender.publish(f"m{index}")
            await _eventually(lambda: inbox.messages == [f"m{index}" for index in range(5)])
        finally:
            await sender.stop()
            await receiver.stop()


async def test_redis_outage_is_bounded_and_recovered(tmp_path: Path) -> None:
    with private_redis(tmp_path) as redis_server:
        bus, inbox = Bus(redis_server.url), Inbox()
        await bus.start(inbox.receive, inbox.connected)
        try:
            assert await bus.publish("before")
            await _eventually(lambda: inbox.messages == ["before"])

            redis_server.stop()
            await _eventually(lambda: not bus.connected)
            started = time.monotonic()
            assert await bus.publish("during") is False
            assert time.monotonic() - started < 1.0
            assert await bus.is_reachable() is False

            redis_server.start()
            await _eventually(lambda: bus.connected and inbox.connects == 2, seconds=15)
            assert await bus.publish("after")
            await _eventually(lambda: inbox.messages == ["before", "after"])
            assert bus.reconnects >= 1
        finally:
            await bus.stop()
