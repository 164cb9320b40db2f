"""The express lane of a subscription (subscriptions/express.py): events as frames.

The hub asks ``DirectLane.frame`` once per channel and event. It takes the shared answer for
what the subscribers see (schema/sharing.py: executed once per selection and view) and
returns it framed as the message the protocol's handler would have sent, with this
subscription's id; the hub writes that frame to every idle member's socket.

The id comes from the handler that started the operation (crmhub/websocket.py): it puts the
message's prefix, protocol and id included, in ``FRAME_PREFIX`` for the operation's task.
Without it (a test client, another server) there is no lane and every event takes the
ordinary path.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Hashable
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
    __slots__ = ("_prefix", "_sharing", "sink")

    def __init__(self, sharing: Sharing[S, Any], sink: FrameSink, prefix: bytes) -> None:
        self._sharing = sharing
        self._prefix = prefix
        self.sink = sink

    @property
    def channel(self) -> Hashable:
        """Lanes with the same sharing key and prefix frame every event alike (read when the
        hub places the subscriber: on subscribing and after a change of rights)."""
        return (self._sharing.key, self._prefix)

    def frame(self, seen: S) -> bytes | Awaitable[bytes | None] | None:
        try:
            answer = self._sharing.answer(seen)
        except Exception:
            # Never the hub's problem: the ordinary path meets the same failure and
            # reports it to the client as an error.
            log.exception("express lane: answering an event failed")
            return None
        if answer is None:
            return None
        if isinstance(answer, Answer):
            return answer.frame(self._prefix, FRAME_SUFFIX)
        return self._frame_when_ready(answer)

    async def _frame_when_ready(self, pending: Awaitable[Answer]) -> bytes | None:
        try:
            answer = await pending
        except Exception:
            # The shared execution failed: the ordinary path, asking for the same answer,
            # reports the failure to the client as an error.
            return None
        return answer.frame(self._prefix, FRAME_SUFFIX)


def direct_lane(sharing: Sharing[S, Any]) -> DirectLane[S] | None:
    """The subscription's express lane, when its connection offers one."""
    prefix = FRAME_PREFIX.get()
    sink = sharing.context.frames
    if prefix is None or sink is None or sharing.executor is None:
        return None
    return DirectLane(sharing, sink, prefix)
