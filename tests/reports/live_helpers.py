"""Helpers of the live report tests: pushes as they arrive, and quiet moments."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from itertools import pairwise
from typing import Any

from tests.live_server import LiveServer, Subscription

# Past a push's coalescing window (resolvers/reports/live.py: MIN_INTERVAL), a change is
# pushed at once.
WINDOW = 1.0


async def pushed_after(
    subscription: Subscription, name: str, change: Callable[[], Awaitable[Any]]
) -> Any:
    """The figures pushed after ``change``, made past the last push's window; asserts they
    come within the window (a change the viewer sees is not held back longer)."""
    await asyncio.sleep(WINDOW)
    await change()
    changed_at = time.monotonic()
    figures = (await subscription.next())[name]
    assert time.monotonic() - changed_at < WINDOW
    return figures


async def pushes_until_quiet(
    subscription: Subscription, name: str, quiet: float = 1.5
) -> list[tuple[float, Any]]:
    """Every push until none comes for ``quiet`` seconds, with when it came."""
    pushes: list[tuple[float, Any]] = []
    while True:
        try:
            message = await asyncio.wait_for(subscription.next(), quiet)
        except TimeoutError:
            return pushes
        pushes.append((time.monotonic(), message[name]))


def assert_coalesced(pushes: list[tuple[float, Any]], changes: int) -> None:
    """A burst of ``changes`` made within a second is pushed at most about once a second."""
    assert 1 <= len(pushes) <= 2 < changes, pushes
    moments = [moment for moment, _figures in pushes]
    # A little slack for the scheduler: the loop sleeps until a full window has passed.
    assert all(later - earlier > 0.9 * WINDOW for earlier, later in pairwise(moments))


async def user_id(server: LiveServer, token: str) -> str:
    return str((await server.graphql("{ viewer { id } }", token=token))["viewer"]["id"])
