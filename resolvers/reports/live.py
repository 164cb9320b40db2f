"""Live reports: a report's figures again whenever something it counts changes.

One loop serves every live report. It follows the live event stream as any subscription
does (subscriptions/streams.py: registered with the hub, judged in memory per event, never
a query per event or per subscriber), through a *watch* (resolvers/reports/live_watches.py)
that says which events may change the figures the viewer sees: what ``dealChanged`` would
tell the viewer, for the deal reports, the leads, tasks, posts and activities they see for
the others. Rights are followed as by every subscription: after a change of the viewer's
rights the watch is rebuilt from their new sight, and the figures are computed again under
them; a revocation ends the stream with its close code and error (``ended_on_close``).

Events are coalesced: the figures are recomputed at most once per ``MIN_INTERVAL`` seconds,
whatever the number of changes, always under the viewer's rights of the moment, and pushed
only when they differ from the last ones pushed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Hashable
from contextlib import aclosing, suppress
from typing import TypeVar

from resolvers.context import RequestContext
from resolvers.live import ended_on_close
from resolvers.live_sight import Sight, realtime_of, renewed_sight, sight_of
from resolvers.reports.live_watches import Watch
from subscriptions.hub import See
from subscriptions.records import EventRecord
from subscriptions.streams import follow

T = TypeVar("T")

MIN_INTERVAL = 1.0


async def live_figures(
    ctx: RequestContext, compute: Callable[[], Awaitable[T]], watch_of: Callable[[Sight], Watch]
) -> AsyncGenerator[T, None]:
    """``compute()``'s figures now, then after the changes ``watch_of(sight)`` is woken by,
    at most once per ``MIN_INTERVAL``, when they differ."""
    changed = asyncio.Event()
    signals = _signals(ctx, watch_of(await sight_of(ctx)), changed)

    async def watch() -> None:
        async for _seq in signals:
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
        await signals.aclose()


async def _signals(
    ctx: RequestContext, watch: Watch, changed: asyncio.Event
) -> AsyncGenerator[int, None]:
    """The seq of each live event ``watch`` wakes on; ends as every subscription ends."""
    viewer = ctx.require_viewer()
    realtime = realtime_of(ctx)
    await ctx.release()

    def see_with(current: Watch) -> See[int]:
        def see(event: EventRecord) -> int | None:
            return event.seq if current.wakes(event) else None

        return see

    async def renew(seq: int) -> tuple[See[int], Hashable]:
        nonlocal watch
        watch = watch.renewed(await renewed_sight(ctx, seq))
        # The figures under the new rights may differ: computed again.
        changed.set()
        return see_with(watch), watch.alike()

    stream = follow(
        realtime.pump,
        realtime.hub,
        see_with(watch),
        viewer.user_id,
        token_id=viewer.token_id,
        alike=watch.alike(),
        renew=renew,
    )
    async with ended_on_close(ctx), aclosing(stream):
        async for seq in stream:
            yield seq


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
