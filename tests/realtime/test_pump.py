"""The event log reaches local subscribers: in order, after commit only, at constant cost."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from starlette.applications import Starlette

from models import SessionFactory
from subscriptions.events import EventKind, record_event
from subscriptions.hub import Overflowed
from subscriptions.realtime import Realtime
from subscriptions.records import EventRecord
from subscriptions.streams import follow
from tests.factories import Seed
from tests.statements import count_statements


def _realtime(app: Starlette) -> Realtime:
    realtime: Realtime = app.state.realtime
    return realtime


async def _write(app: Starlette, seed: Seed, count: int, *, commit: bool = True) -> None:
    session_factory: SessionFactory = app.state.services.session_factory
    async with session_factory() as session:
        for index in range(count):
            await record_event(
                session,
                EventKind.POST_CREATED,
                actor_id=seed.admin.id,
                subject=("POST", index + 1),
                scope=("POST", index + 1),
                changes={"title": [None, f"post {index}"]},
                envelope={"entity": "POST", "all": True},
            )
        if commit:
            await session.commit()
        else:
            await session.rollback()


async def _take(stream: AsyncIterator[EventRecord], count: int) -> list[EventRecord]:
    async def collect() -> list[EventRecord]:
        return [await anext(stream) for _ in range(count)]

    return await asyncio.wait_for(collect(), 10)


def _everything(event: EventRecord) -> EventRecord:
    return event


async def test_committed_events_arrive_in_seq_order(app: Starlette, seed: Seed) -> None:
    realtime = _realtime(app)
    stream = follow(realtime.pump, realtime.hub, _everything, seed.member.id)
    first = asyncio.ensure_future(_take(stream, 5))
    await asyncio.sleep(0.05)
    await _write(app, seed, 5)
    received = await first
    assert [event.changes["title"][1] for event in received] == [f"post {i}" for i in range(5)]
    assert [event.seq for event in received] == sorted(event.seq for event in received)
    await stream.aclose()
    assert len(realtime.hub) == 0


async def test_a_rolled_back_change_leaves_no_event(app: Starlette, seed: Seed) -> None:
    realtime = _realtime(app)
    stream = follow(realtime.pump, realtime.hub, _everything, seed.member.id)
    pending = asyncio.ensure_future(_take(stream, 1))
    await asyncio.sleep(0.05)
    await _write(app, seed, 3, commit=False)
    await _write(app, seed, 1)
    [only] = await pending
    assert only.changes["title"] == [None, "post 0"]
    await stream.aclose()


async def test_resuming_after_a_cursor_replays_then_goes_live(app: Starlette, seed: Seed) -> None:
    realtime = _realtime(app)
    await _write(app, seed, 4)
    await realtime.pump.drain()
    assert realtime.pump.last_seq is not None
    cursor = realtime.pump.last_seq - 2  # the last two are missed, then 3 more arrive live
    stream = follow(realtime.pump, realtime.hub, _everything, seed.member.id, after_seq=cursor)
    pending = asyncio.ensure_future(_take(stream, 5))
    await asyncio.sleep(0.05)
    await _write(app, seed, 3)
    received = await pending
    seqs = [event.seq for event in received]
    assert seqs == list(range(cursor + 1, cursor + 6))
    await stream.aclose()


async def test_a_subscriber_sees_only_what_it_wants(app: Starlette, seed: Seed) -> None:
    realtime = _realtime(app)
    stream = follow(
        realtime.pump,
        realtime.hub,
        lambda event: event if event.subject_id % 2 == 0 else None,
        seed.member.id,
    )
    pending = asyncio.ensure_future(_take(stream, 2))
    await asyncio.sleep(0.05)
    await _write(app, seed, 4)
    assert [event.subject_id for event in await pending] == [2, 4]
    await stream.aclose()


async def test_a_slow_subscriber_is_cut_off_not_buffered_forever(
    app: Starlette, seed: Seed
) -> None:
    realtime = _realtime(app)
    await realtime.pump.stop()
    await realtime.pump.drain()  # its start (the log's end), if the stop came before it
    subscriber = realtime.hub.register(_everything, seed.member.id, queue_size=3)
    await _write(app, seed, 10)
    await realtime.pump.drain()
    received = [await subscriber.next(), await subscriber.next()]
    assert len(received) == 2
    with pytest.raises(Overflowed):
        await subscriber.next()
    assert len(realtime.hub) == 0


async def test_fan_out_costs_the_same_statements_for_1_and_200_subscribers(
    app: Starlette, seed: Seed
) -> None:
    realtime = _realtime(app)
    await realtime.pump.stop()  # only the drains below read the log, so the count is theirs
    await realtime.pump.drain()  # its start (the log's end), if the stop came before it
    costs = []
    for count in (1, 200):
        subscribers = [realtime.hub.register(_everything, seed.member.id) for _ in range(count)]
        await _write(app, seed, 3)
        with count_statements(app.state.engine, background=True) as log:
            await realtime.pump.drain()
        costs.append(log.count)
        assert all(subscriber.queue.qsize() == 3 for subscriber in subscribers)
        for subscriber in subscribers:
            realtime.hub.unregister(subscriber)
    assert costs[0] == costs[1] >= 1
