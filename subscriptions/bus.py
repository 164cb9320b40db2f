"""The process's connection to the broadcast bus (``memory://`` or ``redis://``).

The process keeps exactly one bus subscription, supervised here: Redis going away ends the
subscription's read with an error, and a watchdog pings Redis for the silent failures (a
peer that stops answering without closing). On any failure the subscription is rebuilt with
exponential backoff. After every (re)connect ``on_connected`` runs, which is where the caller
catches up on what it missed from the event table. Publishing is bounded in time and never
raises: a write must not fail because the bus did.

``memory://`` delivers within the bus object itself: one process, no one else to tell.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import redis.asyncio as redis
from redis.asyncio.client import PubSub

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
        if not url.startswith(("memory://", "redis://", "rediss://")):
            raise ValueError(f"unsupported broadcast URL {url!r}: memory:// or redis://")
        self.url = url
        self.channel = channel
        self._publisher: redis.Redis | None = None
        self._memory: asyncio.Queue[str] = asyncio.Queue()
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
        if self.is_redis:
            self._publisher = _client(self.url)
        self._supervisor = asyncio.create_task(
            self._supervise(on_message or _ignore, on_connected or _nothing), name="bus-supervisor"
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), PING_TIMEOUT_SECONDS * 2)

    async def stop(self) -> None:
        if self._supervisor is not None:
            await stop_task(self._supervisor)
            self._supervisor = None
        if self._publisher is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._publisher.aclose(), PING_TIMEOUT_SECONDS)
            self._publisher = None

    async def publish(self, message: str) -> bool:
        """Send to every process; False (logged) when the bus is down, after at most 0.5 s."""
        if not self.connected:
            return False
        if self._publisher is None:
            self._memory.put_nowait(message)
            return True
        try:
            await asyncio.wait_for(
                self._publisher.publish(self.channel, message), PUBLISH_TIMEOUT_SECONDS
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
                if self.is_redis:
                    await self._subscribe_to_redis(on_message, on_connected)
                else:
                    await self._deliver_in_memory(on_message, on_connected)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("bus subscription lost (%s); reconnecting in %.1fs", error, backoff)
            finally:
                self._connected.clear()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, BACKOFF_MAX_SECONDS)
            self.reconnects += 1

    async def _deliver_in_memory(
        self, on_message: MessageHandler, on_connected: ConnectedHandler
    ) -> None:
        self._connected.set()
        await on_connected()
        while True:
            await on_message(await self._memory.get())

    async def _subscribe_to_redis(
        self, on_message: MessageHandler, on_connected: ConnectedHandler
    ) -> None:
        client = _client(self.url)
        pubsub = client.pubsub()
        try:
            await asyncio.wait_for(self._subscribe(pubsub), PING_TIMEOUT_SECONDS * 2)
            self._connected.set()
            await on_connected()
            receiving = asyncio.create_task(self._receive(pubsub, on_message))
            watching = asyncio.create_task(self._watch())
            try:
                done, _ = await asyncio.wait(
                    {receiving, watching}, return_when=asyncio.FIRST_COMPLETED
                )
                for task in done:
                    task.result()
            finally:
                receiving.cancel()
                watching.cancel()
                await asyncio.wait({receiving, watching})
        finally:
            self._connected.clear()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pubsub.aclose(), PING_TIMEOUT_SECONDS)  # type: ignore[no-untyped-call]
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.aclose(), PING_TIMEOUT_SECONDS)

    async def _subscribe(self, pubsub: PubSub) -> None:
        # Ready only once Redis has confirmed the subscription: a message published before
        # that would be lost, and the catch-up after ``on_connected`` would not know it.
        await pubsub.subscribe(self.channel)
        while True:
            reply = await pubsub.get_message(timeout=PING_TIMEOUT_SECONDS)
            if reply is not None and reply["type"] == "subscribe":
                return

    @staticmethod
    async def _receive(pubsub: PubSub, on_message: MessageHandler) -> None:
        while True:
            message = await pubsub.get_message(
                ignore_subscribe_messages=True, timeout=WATCHDOG_INTERVAL_SECONDS
            )
            if message is not None and message["type"] == "message":
                data = message["data"]
                await on_message(data.decode() if isinstance(data, bytes) else str(data))

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(WATCHDOG_INTERVAL_SECONDS)
            if not await _ping(self.url):
                raise BusDown("Redis does not answer")


async def stop_task(task: asyncio.Task[None], seconds: float = STOP_TIMEOUT_SECONDS) -> None:
    """Cancel a background task and wait for it, but never longer than ``seconds``: its
    clean-up talks to Redis (unsubscribe, disconnect), which must not hang a shutdown."""
    task.cancel()
    await asyncio.wait({task}, timeout=seconds)
    if task.done() and not task.cancelled() and task.exception() is not None:
        log.warning("background task ended with %r", task.exception())


def _client(url: str) -> redis.Redis:
    return redis.from_url(url, socket_connect_timeout=PING_TIMEOUT_SECONDS, health_check_interval=0)


async def _ping(url: str) -> bool:
    client = _client(url)
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
