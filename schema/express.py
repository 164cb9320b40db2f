"""The express lane of a subscription (subscriptions/express.py): events as frames.

The hub calls ``DirectLane.send`` for an idle subscriber. It takes the shared answer for
what the subscriber sees (schema/sharing.py: executed once per selection and view), its
payload encoded once, and writes one text frame to the socket: the message the protocol's
handler would have sent, with this subscription's id.

The id comes from the handler that started the operation (crmhub/websocket.py): it puts the
message's prefix, protocol and id included, in ``FRAME_PREFIX`` for the operation's task.
Without it (a test client, another server) there is no lane and every event takes the
ordinary path.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Generic, TypeVar

import orjson

from schema.sharing import Answer, Sharing
from subscriptions.express import FrameSink

S = TypeVar("S")

log = logging.getLogger(__name__)

# A message up to its payload, for the operation started in this task; `}` closes it.
FRAME_PREFIX: ContextVar[bytes | None] = ContextVar("frame_prefix", default=None)
FRAME_SUFFIX = b"}"


def transport_ws_prefix(operation_id: str) -> bytes:
    """graphql-transport-ws: ``{"id": …, "type": "next", "payload": …}``."""
    return b'{"id":' + orjson.dumps(operation_id) + b',"type":"next","payload":'


def legacy_ws_prefix(operation_id: str) -> bytes:
    """graphql-ws (legacy): ``{"type": "data", "id": …, "payload": …}``."""
    return b'{"type":"data","id":' + orjson.dumps(operation_id) + b',"payload":'


class DirectLane(Generic[S]):
    __slots__ = ("_frames", "_prefix", "_sharing", "closed")

    def __init__(self, sharing: Sharing[S, Any], frames: FrameSink, prefix: bytes) -> None:
        self._sharing = sharing
        self._frames = frames
        self._prefix = prefix
        # Set when the subscription ends: an answer that arrives later is not written.
        self.closed = False

    def send(self, seen: S) -> bool | Awaitable[bool]:
        try:
            answer = self._sharing.answer(seen)
        except Exception:
            # Never the hub's problem: the ordinary path meets the same failure and
            # reports it to the client as an error.
            log.exception("express lane: answering an event failed")
            return False
        if answer is None:
            return False
        if isinstance(answer, Answer):
            return self._write(answer)
        return self._write_when_ready(answer)

    def _write(self, answer: Answer) -> bool:
        payload = answer.payload()
        if payload is None or self.closed:
            return False
        return self._frames.write_text(self._prefix + payload + FRAME_SUFFIX)

    async def _write_when_ready(self, pending: Awaitable[Answer]) -> bool:
        try:
            answer = await pending
        except Exception:
            # The shared execution failed: the ordinary path, asking for the same answer,
            # reports the failure to the client as an error.
            return False
        return self._write(answer)


@contextmanager
def direct_lane(sharing: Sharing[S, Any]) -> Iterator[DirectLane[S] | None]:
    """The subscription's express lane while it runs, when its connection offers one."""
    prefix = FRAME_PREFIX.get()
    frames = sharing.context.frames
    if prefix is None or frames is None or sharing.executor is None:
        yield None
        return
    lane = DirectLane(sharing, frames, prefix)
    try:
        yield lane
    finally:
        lane.closed = True
