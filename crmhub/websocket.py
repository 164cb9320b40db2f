"""The websocket side of the express lane (subscriptions/express.py).

- ``FramedWebSocketProtocol``: uvicorn's websockets protocol (the sans-I/O one, its
  default), offering the app a writer of whole frames in the ASGI scope
  (``FRAMES_EXTENSION``). `crmhub serve`, the benches and the live-server tests run uvicorn
  with it (``FRAMED_WEBSOCKETS``).
- The two Strawberry protocol handlers, telling each operation's task the prefix of its
  messages (protocol and id) in ``schema.express.FRAME_PREFIX``.

Frames are written to the transport in one piece, as uvicorn writes its own, so they
interleave with its pings and closes only between frames; nothing is written once the
connection has left the OPEN state or its close has been sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import StartMessage
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State

from schema import ConnectionInfo
from schema.express import FRAME_PREFIX, legacy_ws_prefix, transport_ws_prefix

_OPEN = State.OPEN  # read once per frame written: a module global, not an enum lookup
FRAMES_EXTENSION = "crmhub.frames"
# uvicorn's `ws` setting (an import string) that selects the protocol below.
FRAMED_WEBSOCKETS = "crmhub.websocket:FramedWebSocketProtocol"


class TransportFrames:
    """A ``FrameSink`` over one connection's transport."""

    __slots__ = ("_protocol",)

    def __init__(self, protocol: WebSocketsSansIOProtocol) -> None:
        self._protocol = protocol

    def write(self, frame: bytes) -> bool:
        protocol = self._protocol
        transport = protocol.transport
        # Not writable: the transport's buffer passed its high-water mark, a slow client.
        # Its events then take the ordinary path, which waits for it; its bounded queue
        # ends the subscription ("resume from your cursor") if it stays behind.
        if (
            protocol.conn.state is not _OPEN
            or protocol.close_sent
            or not protocol.writable.is_set()
            or transport.is_closing()
        ):
            return False
        transport.write(frame)
        return True


class FramedWebSocketProtocol(WebSocketsSansIOProtocol):
    async def run_asgi(self) -> None:
        self.scope["extensions"][FRAMES_EXTENSION] = TransportFrames(self)  # type: ignore[assignment]
        await super().run_asgi()


class TransportWSHandler(BaseGraphQLTransportWSHandler[ConnectionInfo, None]):
    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        # The operation's task, created in there, starts with a copy of this context.
        token = FRAME_PREFIX.set(transport_ws_prefix(message["id"]))
        try:
            await super().handle_subscribe(message)
        finally:
            FRAME_PREFIX.reset(token)


class LegacyWSHandler(BaseGraphQLWSHandler[ConnectionInfo, None]):
    async def handle_start(self, message: StartMessage) -> None:
        token = FRAME_PREFIX.set(legacy_ws_prefix(message["id"]))
        try:
            await super().handle_start(message)
        finally:
            FRAME_PREFIX.reset(token)


def frames_of(scope: Mapping[str, Any]) -> TransportFrames | None:
    """The connection's frame writer, when the server runs ``FramedWebSocketProtocol``."""
    frames = scope.get("extensions", {}).get(FRAMES_EXTENSION)
    return frames if isinstance(frames, TransportFrames) else None
