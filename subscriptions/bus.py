"""The process's connection to the broadcast bus (``memory://`` or ``redis://``).

broadcaster (alpha, pinned) neither reconnects nor tells anyone when Redis goes away: its
Redis reader task just dies. So the process keeps exactly one bus subscription, supervised
here: a watchdog pings Redis and watches broadcaster's reader, and on any failure the
subscription is rebuilt with exponential backoff. After every (re)connect ``on_connected``
runs, which is where the caller catches up on what it missed from the event table.
Publishing is bounded in time and never raises: a write must not fail because the bus did.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as redis
from broadcaster import Broadcast

log = logging.getLogger(__name__)

PING_TIMEOUT_SECONDS = 1.0
PUBLISH_TIMEOUT_SECONDS = 0.5
WATCHDOG_INTERVAL_SECONDS = 0.5
BACKOFF_FIRST_SECONDS = 0.1
BACKOFF_MAX_SECONDS = 5.0
STOP_TIMEOUT_SECONDS = 2.0

MessageHandler = Callable[[str], Awaitable[None]]
ConnectedHandler = Callable[[], Awaitable[None]]


class BusDown(Exception):
    """The bus stopped answering; the supervisor reconnects."""


class Bus:
    def __init__(self, url: str, channel: str = "crmhub.events") -> None:
        self.url = url
        self.channel = channel
        self._broadcast: Broadcast | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self.reconnects = 0

    @property
    def is_redis(self) -> bool:
        return self.url.startswith(("redis://", "rediss://"))

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def start(
        self, on_message: MessageHandler | None = None, on_connected: ConnectedHandler | None = None
    ) -> None:
        """Subscribe (supervised, in the background) and wait briefly for the first connect."""
        self._supervisor = asyncio.create_task(
            self._supervise(on_message or _ignore, on_connected or _nothing), name="bus-supervisor"
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), PING_TIMEOUT_SECONDS * 2)

    async def stop(self) -> None:
        if self._supervisor is not None:
            await stop_task(self._supervisor)
            self._supervisor = None

    async def publish(self, message: str) -> bool:
        """Send to every process; False (logged) when the bus is down, after at most 0.5 s."""
        broadcast = self._broadcast
        if broadcast is None or not self.connected:
            return False
        try:
            await asyncio.wait_for(
                broadcast.publish(self.channel, message), PUBLISH_TIMEOUT_SECONDS
            )
            return True
        except (OSError, TimeoutError, redis.RedisError) as error:
            log.warning("bus publish failed, subscribers will catch up: %s", error)
            return False

    async def is_reachable(self) -> bool:
        """Whether the bus answers now."""
        if not self.is_redis:
            return True
        return await _ping(self.url)

    async def _supervise(self, on_message: MessageHandler, on_connected: ConnectedHandler) -> None:
        backoff = BACKOFF_FIRST_SECONDS
        while True:
            try:
                await self._subscribe_once(on_message, on_connected)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("bus subscription lost (%s); reconnecting in %.1fs", error, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, BACKOFF_MAX_SECONDS)
            self.reconnects += 1

    async def _subscribe_once(
        self, on_message: MessageHandler, on_connected: ConnectedHandler
    ) -> None:
        broadcast = Broadcast(self.url)
        try:
            await broadcast.connect()
            async with broadcast.subscribe(self.channel) as subscriber:
                if self.is_redis:
                    await self._confirm_subscribed(broadcast)
                self._broadcast = broadcast
                self._connected.set()
                await on_connected()
                receiving = asyncio.create_task(self._receive(subscriber, on_message))
                watching = asyncio.create_task(self._watch(broadcast))
                try:
                    done, _ = await asyncio.wait(
                        {receiving, watching}, return_when=asyncio.FIRST_COMPLETED
                    )
                    for task in done:
                        task.result()
                finally:
                    receiving.cancel()
                    watching.cancel()
        finally:
            self._connected.clear()
            self._broadcast = None
            with contextlib.suppress(Exception):
                await asyncio.wait_for(broadcast.disconnect(), PING_TIMEOUT_SECONDS)

    async def _confirm_subscribed(self, broadcast: Broadcast) -> None:
        # broadcaster reports a subscription ready before Redis has it (the redis-py 8 trap):
        # wait until Redis itself counts a subscriber on our channel.
        client = redis.from_url(self.url, socket_connect_timeout=PING_TIMEOUT_SECONDS)
        try:
            for _ in range(100):
                counts = await client.pubsub_numsub(self.channel)
                if counts and counts[0][1] > 0:
                    return
                await asyncio.sleep(0.01)
            raise BusDown("Redis never confirmed the subscription")
        finally:
            await client.aclose()

    @staticmethod
    async def _receive(subscriber: Any, on_message: MessageHandler) -> None:
        async for event in subscriber:
            await on_message(event.message)
        raise BusDown("subscription ended")

    async def _watch(self, broadcast: Broadcast) -> None:
        if not self.is_redis:
            await asyncio.Event().wait()  # memory:// cannot fail
        while True:
            await asyncio.sleep(WATCHDOG_INTERVAL_SECONDS)
            reader = getattr(getattr(broadcast, "_backend", None), "_listener", None)
            if isinstance(reader, asyncio.Task) and reader.done():
                raise BusDown("broadcaster's Redis reader stopped")
            if not await _ping(self.url):
                raise BusDown("Redis does not answer")


async def stop_task(task: asyncio.Task[None], seconds: float = STOP_TIMEOUT_SECONDS) -> None:
    """Cancel a background task and wait for it, but never longer than ``seconds``: its
    clean-up talks to Redis (unsubscribe, disconnect), which must not hang a shutdown."""
    task.cancel()
    await asyncio.wait({task}, timeout=seconds)
    if task.done() and not task.cancelled() and task.exception() is not None:
        log.warning("background task ended with %r", task.exception())


async def _ping(url: str) -> bool:
    client = redis.from_url(url, socket_connect_timeout=PING_TIMEOUT_SECONDS)
    try:
        pong: Awaitable[bool] = client.ping()  # type: ignore[assignment]
        return bool(await asyncio.wait_for(pong, PING_TIMEOUT_SECONDS))
    except (OSError, TimeoutError, redis.RedisError) as error:
        log.warning("bus unreachable: %s", error)
        return False
    finally:
        await client.aclose()


async def _ignore(_message: str) -> None:
    return None


async def _nothing() -> None:
    return None
