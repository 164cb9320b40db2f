"""A subscriber's stream: replay from the log after a cursor, then live, no gap, no repeat.

The live registration comes first, then the replay: an event committed meanwhile is both
in the replay and in the queue, and the seq check drops the second copy. Events never
arrive out of order, since the pump dispatches in seq order and replay reads in seq order.
While the stream waits on an empty queue, the hub may write events to the subscriber's
express lane instead (subscriptions/hub.py); those never pass through here.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Hashable

from subscriptions.express import Express
from subscriptions.hub import Hub, S, See
from subscriptions.pump import EventPump


async def follow(
    pump: EventPump,
    hub: Hub,
    see: See[S],
    user_id: int,
    after_seq: int | None = None,
    token_id: int = 0,
    *,
    alike: Hashable | None = None,
    express: Express[S] | None = None,
) -> AsyncGenerator[S, None]:
    """What the subscriber sees of every event after ``after_seq`` (or from now on).
    ``alike``: equal for streams whose ``see`` judges every event alike (Hub.register)."""
    subscriber = hub.register(see, user_id, token_id, alike=alike, express=express)
    try:
        subscriber.delivered = (pump.last_seq or 0) if after_seq is None else after_seq
        if after_seq is not None:
            async for record in pump.replay(after_seq):
                seen = see(record)
                if seen is not None:
                    yield seen
                subscriber.delivered = record.seq
        while True:
            seq, seen = await subscriber.next()
            if seq > subscriber.delivered:
                subscriber.delivered = seq
                yield seen
    finally:
        hub.unregister(subscriber)
