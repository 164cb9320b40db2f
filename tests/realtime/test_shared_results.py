"""SharedResults: one computation per key, handed to everyone, robust to leavers."""

from __future__ import annotations

import asyncio

import pytest

from subscriptions.shared import SharedResults


async def test_a_value_computed_at_once_is_handed_out_without_awaiting() -> None:
    shared = SharedResults()
    calls: list[str] = []

    def compute() -> str:
        calls.append("computed")
        return "answer"

    assert [shared.get("key", compute) for _ in range(3)] == ["answer"] * 3
    assert calls == ["computed"]
    assert shared.computed == 1


async def test_waiters_on_a_slow_computation_share_it() -> None:
    shared = SharedResults()
    release = asyncio.Event()
    calls = 0

    async def slow() -> int:
        nonlocal calls
        calls += 1
        await release.wait()
        return 42

    waiters = [asyncio.ensure_future(shared.get("key", slow)) for _ in range(5)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*waiters) == [42] * 5
    assert calls == 1
    assert shared.get("key", slow) == 42  # remembered, now at once


async def test_a_waiter_that_leaves_does_not_cancel_the_others() -> None:
    shared = SharedResults()
    release = asyncio.Event()

    async def slow() -> str:
        await release.wait()
        return "done"

    leaver = asyncio.ensure_future(shared.get("key", slow))
    stayer = asyncio.ensure_future(shared.get("key", slow))
    await asyncio.sleep(0)
    leaver.cancel()
    release.set()
    assert await stayer == "done"
    with pytest.raises(asyncio.CancelledError):
        await leaver


async def test_only_the_last_keys_are_remembered() -> None:
    shared = SharedResults(capacity=2)
    for key in ("a", "b", "c"):
        shared.get(key, str)
    assert len(shared) == 2
    shared.get("a", str)  # forgotten: computed anew
    assert shared.computed == 4
