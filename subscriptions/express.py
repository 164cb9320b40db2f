"""The express lane: a live event written straight to an idle subscriber's socket.

Through the ordinary path every delivery wakes the subscriber's task, runs its stream, maps
the event through graphql-core, encodes the message and sends it through the websocket
library: tens of microseconds per subscriber, most of a second for 10,000 of them. A
subscription that offers an ``Express`` is instead written to by the hub itself, while its
stream waits on an empty queue: one shared answer, encoded once, framed per socket.

Only the hub switches between the lanes, so a frame written directly can never overtake one
still travelling the ordinary way (subscriptions/hub.py says how).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Protocol, TypeVar

S_contra = TypeVar("S_contra", contravariant=True)


class Express(Protocol[S_contra]):
    def send(self, seen: S_contra) -> bool | Awaitable[bool]:
        """Write what the subscriber sees of an event to its socket: True once written,
        False when this event must take the ordinary path (its answer carries errors, the
        socket is closing or has too much unsent), or an awaitable of either when the
        answer needs I/O first. Never raises."""
        ...


class FrameSink(Protocol):
    """A websocket's writer of whole text frames, offered by the server (crmhub/websocket.py)."""

    def write_text(self, payload: bytes) -> bool:
        """Write ``payload`` (UTF-8 JSON) as one text frame, or return False when the socket
        is not open or holds more unsent bytes than a healthy client leaves behind."""
        ...
