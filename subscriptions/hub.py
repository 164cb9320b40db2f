"""In-process fan-out: the pump hands each event to every local subscriber that wants it.

Each subscriber has a bounded queue, so a slow consumer cannot grow memory without bound:
when its queue is full it is marked overflowed and dropped from the hub; its stream then
ends, telling the client to resume from its last cursor.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from subscriptions.control import ACCESS_CHANGED, ACCESS_REVOKED
from subscriptions.records import EventRecord

DEFAULT_QUEUE_SIZE = 1000

Wants = Callable[[EventRecord], bool]


class Overflowed(Exception):
    """The subscriber fell too far behind; it must resume from its cursor."""


class Closed(Exception):
    """The server ended the subscription: its access was revoked (log in again) or its
    rights changed (``resubscribe``: subscribe again from the last cursor)."""

    def __init__(self, reason: str, *, resubscribe: bool = False) -> None:
        super().__init__(reason)
        self.resubscribe = resubscribe


@dataclass(eq=False)
class Subscriber:
    wants: Wants
    user_id: int
    token_id: int = 0
    queue: asyncio.Queue[EventRecord | Exception] = field(
        default_factory=lambda: asyncio.Queue(maxsize=DEFAULT_QUEUE_SIZE)
    )

    async def next(self) -> EventRecord:
        item = await self.queue.get()
        if isinstance(item, Exception):
            raise item
        return item


class Hub:
    def __init__(self) -> None:
        self._subscribers: set[Subscriber] = set()

    def __len__(self) -> int:
        return len(self._subscribers)

    def register(
        self,
        wants: Wants,
        user_id: int,
        token_id: int = 0,
        *,
        queue_size: int = DEFAULT_QUEUE_SIZE,
    ) -> Subscriber:
        subscriber = Subscriber(
            wants=wants,
            user_id=user_id,
            token_id=token_id,
            queue=asyncio.Queue(maxsize=queue_size),
        )
        self._subscribers.add(subscriber)
        return subscriber

    def unregister(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    def dispatch(self, events: Iterable[EventRecord]) -> None:
        for event in events:
            if event.kind == ACCESS_REVOKED:
                self._revoke(event)
                continue
            if event.kind == ACCESS_CHANGED:
                self._rights_changed(event)
                continue
            for subscriber in list(self._subscribers):
                if subscriber.wants(event):
                    self._offer(subscriber, event)

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

    def _offer(self, subscriber: Subscriber, event: EventRecord) -> None:
        # Keep one slot for the end marker, so an overflowed stream can always be told.
        if subscriber.queue.qsize() >= subscriber.queue.maxsize - 1:
            self._end(subscriber, Overflowed("too far behind; resume from your last cursor"))
            return
        subscriber.queue.put_nowait(event)

    def _end(self, subscriber: Subscriber, reason: Exception) -> None:
        self._subscribers.discard(subscriber)
        if not subscriber.queue.full():
            subscriber.queue.put_nowait(reason)
