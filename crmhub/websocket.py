"""The websocket side of the express lane (subscriptions/express.py).

- ``FramedWebSocketProtocol``: uvicorn's websockets protocol (the sans-I/O one, its
  default), offering the app a writer of whole frames in the ASGI scope
  (``FRAMES_EXTENSION``). `crmhub serve`, the benches and the live-server tests run uvicorn
  with it (``FRAMED_WEBSOCKETS``).
- The two Strawberry protocol handlers, telling each operation's task the prefix of its
  messages (protocol and id) in ``schema.express.FRAME_PREFIX``. They also check every
  message's shape first (crmhub/ws_messages.py), find an operation's document by its
  persisted-query hash as over HTTP (crmhub/persisted.py) and hold the socket's per-user
  limits and token expiry (crmhub/ws_limits.py).

Frames are written to the transport in one piece, as uvicorn writes its own, so they
interleave with its pings and closes only between frames; nothing is written once the
connection has left the OPEN state or its close has been sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLFormattedError
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    Message,
    SubscribeMessage,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ErrorMessage as TransportError,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import (
    ConnectionErrorMessage,
    OperationMessage,
    StartMessage,
)
from strawberry.subscriptions.protocols.graphql_ws.types import (
    ConnectionInitMessage as LegacyInitMessage,
)
from strawberry.subscriptions.protocols.graphql_ws.types import ErrorMessage as LegacyError
from strawberry.types.unset import UnsetType
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State

from crmhub.persisted import PersistedQueries, PersistedQueryRefusal
from crmhub.ws_limits import CONNECTING, Socket
from crmhub.ws_messages import BAD_USER_INPUT, Protocol, close_reason, coded_error
from schema import ConnectionInfo
from schema.express import FRAME_PREFIX, legacy_ws_prefix, transport_ws_prefix
from subscriptions.mailbox import Mailbox

_OPEN = State.OPEN  # read once per frame written: a module global, not an enum lookup
FRAMES_EXTENSION = "crmhub.frames"
# uvicorn's `ws` setting (an import string) that selects the protocol below.
FRAMED_WEBSOCKETS = "crmhub.websocket:FramedWebSocketProtocol"

TRANSPORT_WS = Protocol(
    types=frozenset({"connection_init", "ping", "pong", "subscribe", "complete"}),
    operation_types=frozenset({"subscribe"}),
)
LEGACY_WS = Protocol(
    types=frozenset({"connection_init", "connection_terminate", "start", "stop"}),
    operation_types=frozenset({"start"}),
)


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
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The socket's incoming messages, read by the app alone: a queue that holds nothing
        # while the socket is idle (subscriptions/mailbox.py).
        self.queue = Mailbox(0)  # type: ignore[assignment]

    async def run_asgi(self) -> None:
        self.scope["extensions"][FRAMES_EXTENSION] = TransportFrames(self)  # type: ignore[assignment]
        await super().run_asgi()


class TransportWSHandler(BaseGraphQLTransportWSHandler[ConnectionInfo, None]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.socket = Socket(lambda: len(self.operations))

    async def handle(self) -> None:
        try:
            await super().handle()
        finally:
            self.socket.end()

    async def handle_message(self, message: Message) -> None:
        operation_id = TRANSPORT_WS.operation_id(message)
        if operation_id is not None and self.connection_acknowledged:
            found = await with_document(self.view, message)
            if not isinstance(found, dict):
                error = TransportError(id=operation_id, type="error", payload=[found.error])
                await self.send_message(error)
                return
            message = found  # type: ignore[assignment]
        problem = TRANSPORT_WS.problem(message)
        if problem is not None:
            await self.handle_invalid_message(close_reason(problem.message))
            return
        await super().handle_message(message)

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        # Strawberry's, except that a refusal closes with its own message as the reason
        # (Strawberry's is a bare "Forbidden"), and the view learns which socket it admits.
        if self.connection_init_timeout_task:
            self.connection_init_timeout_task.cancel()
        payload = message.get("payload", {})
        if self.connection_timed_out or not isinstance(payload, dict):
            await super().handle_connection_init(message)
            return
        if self.connection_init_received:
            await self.websocket.close(code=4429, reason="Too many initialisation requests")
            return
        self.connection_init_received = True
        # Not kept: a cancelled task holds its CancelledError, traceback and frames for as
        # long as it is referenced, here the life of the socket.
        self.connection_init_timeout_task = None
        self.context.connection_params = payload
        connecting = CONNECTING.set(self.socket)
        try:
            ack_payload = await self.view.on_ws_connect(self.context)
        except ConnectionRejectionError as refused:
            await self.websocket.close(code=4403, reason=close_reason(_reason(refused.payload)))
            return
        finally:
            CONNECTING.reset(connecting)
        if isinstance(ack_payload, UnsetType):
            await self.send_message({"type": "connection_ack"})
        else:
            await self.send_message({"type": "connection_ack", "payload": ack_payload})
        self.connection_acknowledged = True

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        # Before the ack, or for an id in use, Strawberry's own answers apply (4401, 4409).
        counted = self.connection_acknowledged and message["id"] not in self.operations
        refusal = self.socket.operation_refusal() if counted else None
        if refusal is not None:
            error = coded_error(refusal.message, refusal.code)
            await self.send_message(TransportError(id=message["id"], type="error", payload=[error]))
            return
        # The operation's task, created in there, starts with a copy of this context.
        token = FRAME_PREFIX.set(transport_ws_prefix(message["id"]))
        try:
            await super().handle_subscribe(message)
        finally:
            FRAME_PREFIX.reset(token)


class LegacyWSHandler(BaseGraphQLWSHandler[ConnectionInfo, None]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.socket = Socket(lambda: len(self.tasks))

    async def handle(self) -> None:
        try:
            await super().handle()
        finally:
            self.socket.end()

    async def handle_message(self, message: OperationMessage) -> None:
        operation_id = LEGACY_WS.operation_id(message)
        if operation_id is not None and self.connection_acknowledged:
            found = await with_document(self.view, message)
            if not isinstance(found, dict):
                await self.send_message(
                    LegacyError(type="error", id=operation_id, payload=found.error)
                )
                return
            message = found  # type: ignore[assignment]
        problem = LEGACY_WS.problem(message)
        if problem is None:
            await super().handle_message(message)
            return
        error = coded_error(problem.message, BAD_USER_INPUT, problem.field)
        operation_id = LEGACY_WS.operation_id(message)
        if operation_id is not None:
            await self.send_message(LegacyError(type="error", id=operation_id, payload=error))
        else:
            payload: dict[str, object] = {
                "code": BAD_USER_INPUT,
                "field": problem.field,
                "message": problem.message,
            }
            refusal = ConnectionErrorMessage(type="connection_error", payload=payload)
            await self.send_message(refusal)

    async def handle_connection_init(self, message: LegacyInitMessage) -> None:
        connecting = CONNECTING.set(self.socket)
        try:
            await super().handle_connection_init(message)
        finally:
            CONNECTING.reset(connecting)

    async def handle_start(self, message: StartMessage) -> None:
        # Before the ack Strawberry closes with 4401; a start for an id in use replaces it.
        counted = self.connection_acknowledged and message["id"] not in self.tasks
        refusal = self.socket.operation_refusal() if counted else None
        if refusal is not None:
            error = coded_error(refusal.message, refusal.code)
            await self.send_message(LegacyError(type="error", id=message["id"], payload=error))
            return
        token = FRAME_PREFIX.set(legacy_ws_prefix(message["id"]))
        try:
            await super().handle_start(message)
        finally:
            FRAME_PREFIX.reset(token)


@dataclass(frozen=True)
class Refused:
    error: GraphQLFormattedError


async def with_document(view: object, message: Mapping[str, Any]) -> dict[str, Any] | Refused:
    """An operation's message with its payload's document found by its persisted-query hash
    (or refused by the allow-list), as an HTTP request's is."""
    persisted = getattr(view, "persisted_queries", None)
    payload = message.get("payload")
    if not isinstance(persisted, PersistedQueries) or not isinstance(payload, dict):
        return dict(message)
    try:
        return {**message, "payload": dict(await persisted.resolve(payload))}
    except PersistedQueryRefusal as refused:
        return Refused(coded_error(refused.message, refused.code, refused.field))


def _reason(payload: object) -> str:
    message = payload.get("message") if isinstance(payload, dict) else None
    return message if isinstance(message, str) else "Forbidden"


def frames_of(scope: Mapping[str, Any]) -> TransportFrames | None:
    """The connection's frame writer, when the server runs ``FramedWebSocketProtocol``."""
    frames = scope.get("extensions", {}).get(FRAMES_EXTENSION)
    return frames if isinstance(frames, TransportFrames) else None
