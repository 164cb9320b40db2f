"""The light queue every open websocket holds (subscriptions/mailbox.py)."""

from __future__ import annotations

import asyncio

import pytest

from subscriptions.mailbox import Mailbox


async def test_items_come_out_in_order_and_the_bound_holds() -> None:
    box: Mailbox[int] = Mailbox(2)
    box.put_nowait(1)
    box.put_nowait(2)
    assert box.full() and box.qsize() == 2
    with pytest.raises(asyncio.QueueFull):
        box.put_nowait(3)
    assert [await box.get(), box.get_nowait()] == [1, 2]
    assert box.empty()
    with pytest.raises(asyncio.QueueEmpty):
        box.get_nowait()


async def test_a_waiting_reader_is_woken_and_a_cancelled_one_leaves_it_usable() -> None:
    box: Mailbox[str] = Mailbox(0)  # no bound
    waiting = asyncio.create_task(box.get())
    await asyncio.sleep(0)
    box.put_nowait("first")
    assert await waiting == "first"
    cancelled = asyncio.create_task(box.get())
    await asyncio.sleep(0)
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    box.put_nowait("second")
    assert await box.get() == "second"
    assert not box.full()
