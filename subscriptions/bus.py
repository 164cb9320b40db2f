"""The process's connection to the broadcast bus (``memory://`` or ``redis://``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

import redis.asyncio as redis
from broadcaster import Broadcast

log = logging.getLogger(__name__)

PING_TIMEOUT_SECONDS = 1.0


class Bus:
    def __init__(self, url: str) -> None:
        self.url = url
        self.broadcast = Broadcast(url)

    @property
    def is_redis(self) -> bool:
        return self.url.startswith(("redis://", "rediss://"))

    async def start(self) -> None:
        await self.broadcast.connect()

    async def stop(self) -> None:
        await self.broadcast.disconnect()

    async def is_reachable(self) -> bool:
        """Whether the bus answers now; broadcaster itself cannot tell (it never reconnects)."""
        if not self.is_redis:
            return True
        client = redis.from_url(self.url, socket_connect_timeout=PING_TIMEOUT_SECONDS)
        try:
            pong: Awaitable[bool] = client.ping()  # type: ignore[assignment]
            return bool(await asyncio.wait_for(pong, PING_TIMEOUT_SECONDS))
        except (OSError, TimeoutError, redis.RedisError) as error:
            log.warning("bus unreachable: %s", error)
            return False
        finally:
            await client.aclose()
