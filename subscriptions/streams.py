"""A subscriber's stream: replay from the log after a cursor, then live, no gap, no repeat.

The live registration comes first, then the replay, up to the last event the hub had
reached when the subscriber registered: every later one is handed to the subscriber live.
The seq check still drops anything at or below the last seq delivered. Events never arrive
out of order, since the pump dispatches in seq order and replay reads in seq order.
While the stream waits on an empty queue, the hub may write events to the subscriber's
express lane instead (subscriptions/hub.py); those never pass through here.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable, Hashable

from subscriptions.express import Express
from subscriptions.hub import Hub, Renew, S, See
from subscriptions.pump import EventPump

# What the subscriber is shown of the logged events after a seq, up to a seq (None: the
# end), oldest first, as (seq, what it is shown).
Replay = Callable[[int, int | None], AsyncIterator[tuple[int, S]]]


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
    renew: Renew[S] | None = None,
    replay: Replay[S] | None = None,
) -> AsyncGenerator[S, None]:
    """What the subscriber sees of every event after ``after_seq`` (or from now on).
    ``alike``: equal for streams whose ``see`` judges every event alike (Hub.register);
    ``renew``: how the stream follows a change of rights; ``replay``: what it is shown of
    the past (by default, the log judged by ``see``)."""
    subscriber = hub.register(see, user_id, token_id, alike=alike, express=express, renew=renew)
    try:
        subscriber.delivered = (pump.last_seq or 0) if after_seq is None else after_seq
        if after_seq is not None:
            past = (replay or _judged(pump, see))(after_seq, hub.reached)
            async for seq, seen in past:
                if seq > subscriber.delivered:
                    subscriber.delivered = seq
                    yield seen
        while True:
            seq, seen = await subscriber.next()
            if seq > subscriber.delivered:
                subscriber.delivered = seq
                yield seen
    finally:
        hub.unregister(subscriber)


def _judged(pump: EventPump, see: See[S]) -> Replay[S]:
    async def replay(after_seq: int, through_seq: int | None) -> AsyncIterator[tuple[int, S]]:
        async for record in pump.replay(after_seq, through_seq):
            seen = see(record)
            if seen is not None:
                yield record.seq, seen

    return replay
