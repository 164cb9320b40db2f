"""In-process fan-out: the pump hands each event to every local subscriber that sees it.

Subscribers are grouped in channels: those that judge events alike (the same viewer's
sight and the same stream arguments, as their stream declares) and whose express lanes
frame them alike. Per event, a channel judges once (``see``: what its members are shown, or
None) and frames once. Each member then takes one of two lanes:
- its bounded queue, which its stream reads: a slow consumer cannot grow memory without
  bound, since a subscriber whose queue is full is dropped from the hub and its stream ends,
  telling the client to resume from its last cursor;
- its express lane (subscriptions/express.py), the frame written straight to its socket by
  the hub, when its stream is idle: waiting on an empty queue. Idle means everything queued
  before has been sent, so a direct frame cannot overtake one; as soon as anything is
  queued the subscriber stops being idle, until its stream has drained it.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from subscriptions.control import ACCESS_CHANGED, ACCESS_REVOKED
from subscriptions.express import Express
from subscriptions.records import EventRecord

DEFAULT_QUEUE_SIZE = 1000

S = TypeVar("S")

# What a subscriber is shown of an event, or None when the event is not for it.
See = Callable[[EventRecord], S | None]
Frame = bytes | None


class Overflowed(Exception):
    """The subscriber fell too far behind; it must resume from its cursor."""


class Closed(Exception):
    """The server ended the subscription: its access was revoked (log in again) or its
    rights changed (``resubscribe``: subscribe again from the last cursor)."""

    def __init__(self, reason: str, *, resubscribe: bool = False) -> None:
        super().__init__(reason)
        self.resubscribe = resubscribe


@dataclass(eq=False, slots=True)
class Subscriber(Generic[S]):
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


@dataclass(eq=False)
class Channel(Generic[S]):
    """Subscribers shown and sent the same for every event: its first member's ``see`` and
    express lane judge and frame for all of them."""

    see: See[S]
    express: Express[S] | None
    members: dict[Subscriber[S], None] = field(default_factory=dict)  # in joining order


class Hub:
    def __init__(self) -> None:
        self._channels: dict[Hashable, Channel[Any]] = {}
        self._channel_of: dict[Subscriber[Any], Hashable] = {}
        # Deliveries through the express lane: what it carried is visible to tests and benches.
        self.sent_directly = 0

    def __len__(self) -> int:
        return len(self._channel_of)

    @property
    def channels(self) -> int:
        return len(self._channels)

    def register(
        self,
        see: See[S],
        user_id: int,
        token_id: int = 0,
        *,
        alike: Hashable | None = None,
        express: Express[S] | None = None,
        queue_size: int = DEFAULT_QUEUE_SIZE,
    ) -> Subscriber[S]:
        """A new subscriber. ``alike``: equal for subscribers whose ``see`` judges every
        event alike (None: like no other); with equal express channels too, they share one."""
        subscriber: Subscriber[S] = Subscriber(
            user_id=user_id,
            token_id=token_id,
            queue=asyncio.Queue(maxsize=queue_size),
            express=express,
        )
        shared = alike is not None and express is not None
        key = (alike, express.channel) if shared and express is not None else object()
        channel = self._channels.get(key)
        if channel is None:
            channel = self._channels[key] = Channel(see, express)
        channel.members[subscriber] = None
        self._channel_of[subscriber] = key
        return subscriber

    def unregister(self, subscriber: Subscriber[Any]) -> None:
        key = self._channel_of.pop(subscriber, None)
        if key is None:
            return
        channel = self._channels[key]
        del channel.members[subscriber]
        if not channel.members:
            del self._channels[key]

    async def dispatch(self, events: Iterable[EventRecord]) -> None:
        """Hand each event to every subscriber that sees it, in seq order: an event's
        frames that wait for I/O are written before the next event is handed out."""
        for event in events:
            if event.kind == ACCESS_REVOKED:
                self._revoke(event)
            elif event.kind == ACCESS_CHANGED:
                self._rights_changed(event)
            else:
                await self._fan_out(event)

    async def _fan_out(self, event: EventRecord) -> None:
        waiting: list[tuple[Channel[Any], Any, Awaitable[Frame]]] = []
        for channel in list(self._channels.values()):
            seen = channel.see(event)
            if seen is None:
                continue
            frame = None if channel.express is None else channel.express.frame(seen)
            if inspect.isawaitable(frame):
                waiting.append((channel, seen, frame))
            else:
                self._hand_out(channel, event.seq, seen, frame)
        for channel, seen, framing in waiting:
            self._hand_out(channel, event.seq, seen, await framing)

    def _hand_out(self, channel: Channel[S], seq: int, seen: S, frame: Frame) -> None:
        # The loop that runs once per subscriber and event: keep it to a few attribute reads
        # and, for an idle subscriber, one write.
        written = 0
        for member in list(channel.members):
            if seq <= member.delivered:
                continue  # a batch dispatched again after a failure: given once already
            express = member.express
            if (
                frame is not None
                and member.idle
                and express is not None
                and express.sink.write(frame)
            ):
                member.delivered = seq
                written += 1
            else:
                self._offer(member, seq, seen)
        self.sent_directly += written

    def _revoke(self, event: EventRecord) -> None:
        tokens = set(event.envelope.get("tokenIds", ()))
        users = set(event.envelope.get("userIds", ()))
        for subscriber in list(self._channel_of):
            if subscriber.token_id in tokens or subscriber.user_id in users:
                self._end(subscriber, Closed("access revoked; log in again"))

    def _rights_changed(self, event: EventRecord) -> None:
        everyone = bool(event.envelope.get("all"))
        users = set(event.envelope.get("userIds", ()))
        reason = Closed(
            "access rules changed; subscribe again from your last cursor", resubscribe=True
        )
        for subscriber in list(self._channel_of):
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
        self.unregister(subscriber)
        subscriber.idle = False
        if not subscriber.queue.full():
            subscriber.queue.put_nowait(reason)
