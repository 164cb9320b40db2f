"""Live reports: a report's figures again whenever a deal the viewer sees changes.

The deal events come from `dealChanged`'s stream (resolvers/live_deals.py), so a live report
is told exactly what that subscription would be told, under the same rights, renewed after
a change of rights, and ends as it ends (its close codes and errors). Events are coalesced:
the figures are recomputed at most once per ``MIN_INTERVAL`` seconds, whatever the number
of changes, and pushed only when they differ from the last ones pushed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import suppress
from typing import TypeVar

from resolvers.context import RequestContext
from resolvers.live_deals import deal_changes

T = TypeVar("T")

MIN_INTERVAL = 1.0


async def live_figures(
    ctx: RequestContext, compute: Callable[[], Awaitable[T]], pipeline_id: int | None = None
) -> AsyncGenerator[T, None]:
    """``compute()``'s figures now, then after the deal changes (of ``pipeline_id``, if
    given) the viewer sees, at most once per ``MIN_INTERVAL``."""
    ctx.require_viewer()
    changed = asyncio.Event()
    changes = deal_changes(ctx, pipeline_id, None)

    async def watch() -> None:
        async for _change in changes:
            changed.set()

    # Watching starts first: a change made while the first figures are computed is seen.
    watcher = asyncio.create_task(watch())
    try:
        last = await compute()
        pushed_at = time.monotonic()
        await ctx.release()
        yield last
        while await _next_change(changed, watcher):
            await asyncio.sleep(max(0.0, pushed_at + MIN_INTERVAL - time.monotonic()))
            changed.clear()
            figures = await compute()
            await ctx.release()
            if figures != last:
                last, pushed_at = figures, time.monotonic()
                yield figures
    finally:
        watcher.cancel()
        with suppress(asyncio.CancelledError):
            await watcher
        await changes.aclose()


async def _next_change(changed: asyncio.Event, watcher: asyncio.Task[None]) -> bool:
    """Whether a change was seen (false: the stream ended); the stream's error is raised."""
    waiter = asyncio.create_task(changed.wait())
    try:
        await asyncio.wait({waiter, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
    if watcher.done():
        watcher.result()
        return False
    return True
