"""A subscriber's stream: replay from the log after a cursor, then live, no gap, no repeat.

The live registration comes first, then the replay: an event committed meanwhile is both
in the replay and in the queue, and the seq check drops the second copy. Events never
arrive out of order, since the pump dispatches in seq order and replay reads in seq order.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

from subscriptions.hub import Hub, Wants
from subscriptions.pump import EventPump
from subscriptions.records import EventRecord


async def follow(
    pump: EventPump,
    hub: Hub,
    wants: Wants,
    user_id: int,
    after_seq: int | None = None,
    token_id: int = 0,
) -> AsyncGenerator[EventRecord, None]:
    subscriber = hub.register(wants, user_id, token_id)
    try:
        last = (pump.last_seq or 0) if after_seq is None else after_seq
        if after_seq is not None:
            async for record in pump.replay(after_seq):
                if wants(record):
                    yield record
                last = record.seq
        while True:
            record = await subscriber.next()
            if record.seq > last:
                last = record.seq
                yield record
    finally:
        hub.unregister(subscriber)
