"""Helpers of the live report tests: pushes as they arrive, and quiet moments."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
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


async def burst(
    subscription: Subscription, name: str, changes: list[Callable[[], Awaitable[Any]]]
) -> list[Any]:
    """The figures pushed after ``changes``, made one after the other; asserts that they
    came at most once per window. Pushes are read from the socket after the burst, so when
    they arrived says little; but the first was sent after the first change, and each
    later one a full window after the one before, so ``n`` pushes need ``n - 1`` windows
    between the first change and the last push read."""
    started = time.monotonic()
    for change in changes:
        await change()
    made_in = time.monotonic() - started
    pushes = await pushes_until_quiet(subscription, name)
    assert pushes
    span = pushes[-1][0] - started
    assert len(pushes) <= 1 + span / WINDOW, (len(pushes), span)
    if made_in < WINDOW:
        # Made within one window: a push before the last change, at most, and one after.
        assert len(pushes) <= 2 < len(changes), len(pushes)
    return [figures for _moment, figures in pushes]


async def user_id(server: LiveServer, token: str) -> str:
    return str((await server.graphql("{ viewer { id } }", token=token))["viewer"]["id"])
