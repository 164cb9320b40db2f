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

A change of rights does not end a subscription: the hub asks each affected subscriber to
``renew`` (re-read the viewer's standing and policy, once per viewer and change, shared by
its subscriptions) and moves it to the channel of its new judgement before it hands out the
next event, so every later event is judged under the new rights and no fan-out ever waits
on the database for a subscriber's policy.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from subscriptions.control import ACCESS_CHANGED, ACCESS_REVOKED
from subscriptions.express import Express
from subscriptions.mailbox import Mailbox
from subscriptions.records import EventRecord

log = logging.getLogger(__name__)

DEFAULT_QUEUE_SIZE = 1000
RENEW_TIMEOUT_SECONDS = 5.0

S = TypeVar("S")

# What a subscriber is shown of an event, or None when the event is not for it.
See = Callable[[EventRecord], S | None]
Frame = bytes | None
# After the change of rights logged at the given seq: the subscriber's new ``see`` and its
# ``alike`` key (Hub.register); raises Closed when the subscription may not go on.
Renew = Callable[[int], Awaitable[tuple[See[S], Hashable | None]]]
# Told after each event's fan-out how many subscribers it was handed to (metrics).
FanOutObserver = Callable[[EventRecord, int], None]


def _unobserved(_event: EventRecord, _handed: int) -> None:
    pass


class Overflowed(Exception):
    """The subscriber fell too far behind; it must resume from its cursor."""


class Closed(Exception):
    """The server ended the subscription: its access was revoked (log in again) or it could
    not be carried over a change of rights (``resubscribe``: subscribe again from the last
    cursor)."""

    def __init__(self, reason: str, *, resubscribe: bool = False) -> None:
        super().__init__(reason)
        self.resubscribe = resubscribe


@dataclass(eq=False, slots=True)
class Subscriber(Generic[S]):
    user_id: int
    token_id: int = 0
    queue: Mailbox[tuple[int, S] | Exception] = field(
        default_factory=lambda: Mailbox(DEFAULT_QUEUE_SIZE)
    )
    express: Express[S] | None = None
    # How it follows a change of rights; None: nothing it is shown depends on them.
    renew: Renew[S] | None = None
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
        # The seq of the last event handed out (or where the pump started reading): a
        # subscriber registered now is handed every later event, so replay stops here.
        self.reached: int | None = None
        # Renewals after changes of rights: what they cost is visible to tests.
        self.renewed = 0
        self.on_fan_out: FanOutObserver = _unobserved

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
        renew: Renew[S] | None = None,
        queue_size: int = DEFAULT_QUEUE_SIZE,
    ) -> Subscriber[S]:
        """A new subscriber. ``alike``: equal for subscribers whose ``see`` judges every
        event alike (None: like no other); with equal express channels too, they share one.
        ``renew``: how it carries on after a change of rights (None: unchanged)."""
        subscriber: Subscriber[S] = Subscriber(
            user_id=user_id,
            token_id=token_id,
            queue=Mailbox(queue_size),
            express=express,
            renew=renew,
        )
        self._join(subscriber, see, alike)
        return subscriber

    def _join(self, subscriber: Subscriber[S], see: See[S], alike: Hashable | None) -> None:
        express = subscriber.express
        shared = alike is not None and express is not None
        key = (alike, express.channel) if shared and express is not None else object()
        channel = self._channels.get(key)
        if channel is None:
            channel = self._channels[key] = Channel(see, express)
        channel.members[subscriber] = None
        self._channel_of[subscriber] = key

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
            # Set before the channels are read: whoever registers from now on gets the next.
            self.reached = max(self.reached or 0, event.seq)
            if event.kind == ACCESS_REVOKED:
                self._revoke(event)
            elif event.kind == ACCESS_CHANGED:
                await self._rights_changed(event)
            else:
                await self._fan_out(event)

    def start_at(self, seq: int) -> None:
        """The pump reads the log from after ``seq``: nothing up to it will be handed out."""
        self.reached = max(self.reached or 0, seq)

    async def _fan_out(self, event: EventRecord) -> None:
        waiting: list[tuple[Channel[Any], Any, Awaitable[Frame]]] = []
        handed = 0
        for channel in list(self._channels.values()):
            seen = channel.see(event)
            if seen is None:
                continue
            frame = None if channel.express is None else channel.express.frame(seen)
            if inspect.isawaitable(frame):
                waiting.append((channel, seen, frame))
            else:
                handed += self._hand_out(channel, event.seq, seen, frame)
        for channel, seen, framing in waiting:
            handed += self._hand_out(channel, event.seq, seen, await framing)
        self.on_fan_out(event, handed)

    def _hand_out(self, channel: Channel[S], seq: int, seen: S, frame: Frame) -> int:
        """Hands the event to the channel's members; returns to how many."""
        # The loop that runs once per subscriber and event: keep it to a few attribute reads
        # and, for an idle subscriber, one write.
        written = queued = 0
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
            elif self._offer(member, seq, seen):
                queued += 1
        self.sent_directly += written
        return written + queued

    def _revoke(self, event: EventRecord) -> None:
        tokens = set(event.envelope.get("tokenIds", ()))
        users = set(event.envelope.get("userIds", ()))
        for subscriber in list(self._channel_of):
            if subscriber.token_id in tokens or subscriber.user_id in users:
                self._end(subscriber, Closed("access revoked; log in again"))

    async def _rights_changed(self, event: EventRecord) -> None:
        """Every affected subscriber is renewed before the next event is handed out."""
        everyone = bool(event.envelope.get("all"))
        users = set(event.envelope.get("userIds", ()))
        affected = [
            subscriber
            for subscriber in self._channel_of
            if subscriber.renew is not None and (everyone or subscriber.user_id in users)
        ]
        await asyncio.gather(*(self._renew(subscriber, event.seq) for subscriber in affected))

    async def _renew(self, subscriber: Subscriber[Any], seq: int) -> None:
        assert subscriber.renew is not None
        try:
            # Bounded: every subscriber's next event waits for this.
            see, alike = await asyncio.wait_for(subscriber.renew(seq), RENEW_TIMEOUT_SECONDS)
        except Closed as closed:
            self._end(subscriber, closed)
            return
        except Exception:
            # Never judge on under rights that may be gone: the client resumes from its cursor.
            log.exception("a subscription could not follow a change of rights")
            self._end(
                subscriber,
                Closed(
                    "access rules changed; subscribe again from your last cursor", resubscribe=True
                ),
            )
            return
        self.renewed += 1
        if subscriber in self._channel_of:  # it may have ended meanwhile
            self.unregister(subscriber)
            self._join(subscriber, see, alike)

    def _offer(self, subscriber: Subscriber[S], seq: int, seen: S) -> bool:
        """Queues the event for the subscriber; False when it fell too far behind (ended)."""
        # Keep one slot for the end marker, so an overflowed stream can always be told.
        if subscriber.queue.qsize() >= subscriber.queue.maxsize - 1:
            self._end(subscriber, Overflowed("too far behind; resume from your last cursor"))
            return False
        subscriber.idle = False  # until its stream has sent this, nothing may overtake it
        subscriber.queue.put_nowait((seq, seen))
        return True

    def _end(self, subscriber: Subscriber[Any], reason: Exception) -> None:
        self.unregister(subscriber)
        subscriber.idle = False
        if not subscriber.queue.full():
            subscriber.queue.put_nowait(reason)
