"""The express lane: a live event written straight to an idle subscriber's socket.

Through the ordinary path every delivery wakes the subscriber's task, runs its stream, maps
the event through graphql-core, encodes the message and sends it through the websocket
library: tens of microseconds per subscriber, most of a second for 10,000 of them. A
subscription that offers an ``Express`` is instead written to by the hub itself, while its
stream waits on an empty queue.

Subscribers that judge events alike and whose express lanes frame them alike share a
channel (subscriptions/hub.py): per event, the channel judges once and frames once, and
each member costs one write to its socket.
"""

from __future__ import annotations

from collections.abc import Awaitable, Hashable
from typing import Protocol, TypeVar

S_contra = TypeVar("S_contra", contravariant=True)

_TEXT_FRAME = 0x81  # FIN + opcode 1 (text); frames from a server are not masked (RFC 6455 §5.1)


def text_frame(payload: bytes) -> bytes:
    """``payload`` (UTF-8) as one unmasked, final websocket text frame (RFC 6455 §5.2)."""
    length = len(payload)
    if length < 126:
        header = bytes((_TEXT_FRAME, length))
    elif length < 1 << 16:
        header = bytes((_TEXT_FRAME, 126)) + length.to_bytes(2, "big")
    else:
        header = bytes((_TEXT_FRAME, 127)) + length.to_bytes(8, "big")
    return header + payload


class FrameSink(Protocol):
    """A websocket's writer of whole frames, offered by the server (crmhub/websocket.py)."""

    def write(self, frame: bytes) -> bool:
        """Write ``frame``, or return False when the socket is not open or is not taking
        data as fast as it comes (its buffer is past the high-water mark)."""
        ...


class Express(Protocol[S_contra]):
    """A subscription's express lane."""

    @property
    def sink(self) -> FrameSink:
        """Its socket."""
        ...

    @property
    def channel(self) -> Hashable:
        """Equal for lanes that frame every event alike (the same selection, variables,
        operation id; the viewer's sight where the answer depends on it)."""
        ...

    def frame(self, seen: S_contra) -> bytes | Awaitable[bytes | None] | None:
        """What the subscriber sees of an event as the frame to write; None when this event
        must take the ordinary path (its answer carries errors, say); an awaitable when the
        answer needs I/O first. Never raises."""
        ...
