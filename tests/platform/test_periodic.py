"""The background loop every worker runs (crmhub/periodic.py): passes on a period and on a
wake-up, a failing pass does not end it, and stopping lets a pass in flight finish."""

from __future__ import annotations

import asyncio

from crmhub.periodic import Periodic

# Generous: only a loop that ignored the stop would take this long.
STOP_BOUND_SECONDS = 5.0


async def test_a_pass_in_flight_when_stopping_runs_to_its_end() -> None:
    started, finished = asyncio.Event(), asyncio.Event()

    async def slow_pass() -> None:
        started.set()
        await asyncio.sleep(0.2)
        finished.set()

    loop = Periodic("slow", slow_pass, every_seconds=3600)
    loop.start()
    await started.wait()
    await asyncio.wait_for(loop.stop(), STOP_BOUND_SECONDS)
    assert finished.is_set()


async def test_a_pass_outlasting_the_grace_is_cancelled() -> None:
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def stuck_pass() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    loop = Periodic("stuck", stuck_pass, every_seconds=3600, grace_seconds=0.05)
    loop.start()
    await started.wait()
    await asyncio.wait_for(loop.stop(), STOP_BOUND_SECONDS)
    assert cancelled.is_set()


async def test_a_sleeping_loop_stops_without_waiting_for_its_period() -> None:
    passes = 0

    async def count() -> None:
        nonlocal passes
        passes += 1

    loop = Periodic("idle", count, every_seconds=3600)
    loop.start()
    await asyncio.sleep(0.05)
    await asyncio.wait_for(loop.stop(), STOP_BOUND_SECONDS)
    assert passes == 1


async def test_a_failing_pass_is_followed_by_the_next_and_a_wake_up_brings_it_sooner() -> None:
    outcomes: asyncio.Queue[str] = asyncio.Queue()
    calls = 0

    async def fails_once() -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            await outcomes.put("failed")
            raise RuntimeError("the peer is away")
        await outcomes.put("ran")

    loop = Periodic("flaky", fails_once, every_seconds=3600)
    loop.start()
    assert await asyncio.wait_for(outcomes.get(), STOP_BOUND_SECONDS) == "failed"
    loop.wake()
    assert await asyncio.wait_for(outcomes.get(), STOP_BOUND_SECONDS) == "ran"
    await loop.stop()
