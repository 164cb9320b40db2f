"""In-process fan-out: the pump hands each event to every local subscriber that sees it.

Each subscriber judges an event once (``see``: what it is shown of it, or None). What it
sees then takes one of two lanes:
- its bounded queue, which its stream reads: a slow consumer cannot grow memory without
  bound, since a subscriber whose queue is full is dropped from the hub and its stream ends,
  telling the client to resume from its last cursor;
- its express lane (subscriptions/express.py), written to directly by the hub, when the
  subscription offers one and its stream is idle: waiting on an empty queue. Idle means
  everything queued before has been sent, so a direct frame cannot overtake one; as soon
  as anything is queued the subscriber stops being idle, until its stream has drained it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from subscriptions.control import ACCESS_CHANGED, ACCESS_REVOKED
from subscriptions.express import Express
from subscriptions.records import EventRecord

DEFAULT_QUEUE_SIZE = 1000

S = TypeVar("S")

# What a subscriber is shown of an event, or None when the event is not for it.
See = Callable[[EventRecord], S | None]


class Overflowed(Exception):
    """The subscriber fell too far behind; it must resume from its cursor."""


class Closed(Exception):
    """The server ended the subscription: its access was revoked (log in again) or its
    rights changed (``resubscribe``: subscribe again from the last cursor)."""

    def __init__(self, reason: str, *, resubscribe: bool = False) -> None:
        super().__init__(reason)
        self.resubscribe = resubscribe


@dataclass(eq=False)
class Subscriber(Generic[S]):
    see: See[S]
    user_id: int
    token_id: int = 0
    queue: asyncio.Queue[tuple[int, S] | Exception] = field(
        default_factory=lambda: asyncio.Queue(maxsize=DEFAULT_QUEUE_SIZE)
    )
    express: Express[S] | None = None
    # True while the stream waits on an empty queue: the express lane may be used.
    idle: bool = False
    # The seq of the last event the subscriber was given, by either lane.
    delivered: int = 0

    async def next(self) -> tuple[int, S]:
        """The next queued event, as (seq, what the subscriber sees of it)."""
        self.idle = self.queue.empty()
        try:
            item = await self.queue.get()
        finally:
            self.idle = False
        if isinstance(item, Exception):
            raise item
        return item


class Hub:
    def __init__(self) -> None:
        self._subscribers: set[Subscriber[Any]] = set()
        # Deliveries through the express lane: what it carried is visible to tests and benches.
        self.sent_directly = 0

    def __len__(self) -> int:
        return len(self._subscribers)

    def register(
        self,
        see: See[S],
        user_id: int,
        token_id: int = 0,
        *,
        express: Express[S] | None = None,
        queue_size: int = DEFAULT_QUEUE_SIZE,
    ) -> Subscriber[S]:
        subscriber = Subscriber(
            see=see,
            user_id=user_id,
            token_id=token_id,
            queue=asyncio.Queue(maxsize=queue_size),
            express=express,
        )
        self._subscribers.add(subscriber)
        return subscriber

    def unregister(self, subscriber: Subscriber[Any]) -> None:
        self._subscribers.discard(subscriber)

    async def dispatch(self, events: Iterable[EventRecord]) -> None:
        """Hand each event to every subscriber that sees it, in seq order: an event's
        direct writes that wait for I/O finish before the next event is handed out."""
        for event in events:
            if event.kind == ACCESS_REVOKED:
                self._revoke(event)
            elif event.kind == ACCESS_CHANGED:
                self._rights_changed(event)
            else:
                await self._fan_out(event)

    async def _fan_out(self, event: EventRecord) -> None:
        waiting: list[tuple[Subscriber[Any], Any, Awaitable[bool]]] = []
        for subscriber in list(self._subscribers):
            seen = subscriber.see(event)
            if seen is None:
                continue
            if event.seq <= subscriber.delivered:
                continue  # a batch dispatched again after a failure: given once already
            express = subscriber.express
            sent = express.send(seen) if express is not None and subscriber.idle else False
            if sent is True:
                subscriber.delivered = event.seq
                self.sent_directly += 1
            elif sent is False:
                self._offer(subscriber, event.seq, seen)
            else:
                waiting.append((subscriber, seen, sent))
        for subscriber, seen, sending in waiting:
            if await sending:
                subscriber.delivered = event.seq
                self.sent_directly += 1
            elif subscriber in self._subscribers:
                self._offer(subscriber, event.seq, seen)

    def _revoke(self, event: EventRecord) -> None:
        tokens = set(event.envelope.get("tokenIds", ()))
        users = set(event.envelope.get("userIds", ()))
        for subscriber in list(self._subscribers):
            if subscriber.token_id in tokens or subscriber.user_id in users:
                self._end(subscriber, Closed("access revoked; log in again"))

    def _rights_changed(self, event: EventRecord) -> None:
        everyone = bool(event.envelope.get("all"))
        users = set(event.envelope.get("userIds", ()))
        reason = Closed(
            "access rules changed; subscribe again from your last cursor", resubscribe=True
        )
        for subscriber in list(self._subscribers):
            if everyone or subscriber.user_id in users:
                self._end(subscriber, reason)

    def _offer(self, subscriber: Subscriber[S], seq: int, seen: S) -> None:
        # Keep one slot for the end marker, so an overflowed stream can always be told.
        if subscriber.queue.qsize() >= subscriber.queue.maxsize - 1:
            self._end(subscriber, Overflowed("too far behind; resume from your last cursor"))
            return
        subscriber.idle = False  # until its stream has sent this, nothing may overtake it
        subscriber.queue.put_nowait((seq, seen))

    def _end(self, subscriber: Subscriber[Any], reason: Exception) -> None:
        self._subscribers.discard(subscriber)
        subscriber.idle = False
        if not subscriber.queue.full():
            subscriber.queue.put_nowait(reason)
