"""What a websocket message must look like, checked before Strawberry's handlers read it.

Strawberry's handlers index messages as they come (``message["type"]``,
``payload["query"]``): a message that is not an object, or a payload of the wrong shape,
ends the connection with a traceback or is silently dropped. Here each is named, so that the
handlers (crmhub/websocket.py) answer as their protocol says: graphql-transport-ws closes
with 4400 and the problem as the reason; legacy graphql-ws sends an ``error`` for the
operation, or a ``connection_error`` when the message cannot be tied to one.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass
from json import JSONDecodeError
from typing import Any

from graphql import GraphQLFormattedError
from starlette.websockets import WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import NonTextMessageReceived

from crmhub.request_shape import Problem, operation_problem

BAD_USER_INPUT = "BAD_USER_INPUT"
# A websocket close reason is at most 123 bytes long.
MAX_CLOSE_REASON_BYTES = 123


@dataclass(frozen=True)
class Unparseable:
    """A message that is not JSON (lone surrogates and nesting past 1,024 levels
    included), handed on to be answered instead of being skipped."""

    error: str


@dataclass(frozen=True)
class Protocol:
    """A subprotocol's message types, and those that start an operation (whose ``id`` and
    ``payload`` are checked)."""

    types: frozenset[str]
    operation_types: frozenset[str]

    def problem(self, message: object) -> Problem | None:
        """What is wrong with a message, if anything."""
        if isinstance(message, Unparseable):
            return Problem("message", f"Message is not valid JSON: {message.error}")
        if not isinstance(message, dict):
            return Problem("message", "Message must be a JSON object with a 'type'")
        kind = message.get("type")
        if not isinstance(kind, str):
            return Problem("type", "Message 'type' must be a string")
        if kind not in self.types:
            return Problem("type", close_reason(f"Unknown message type: {kind}"))
        if "id" in message and not isinstance(message["id"], str):
            return Problem("id", "Message 'id' must be a string")
        if kind not in self.operation_types:
            return None
        if "id" not in message:
            return Problem("id", f"A '{kind}' message needs a string 'id'")
        payload = message.get("payload")
        if not isinstance(payload, dict):
            return Problem("payload", f"A '{kind}' message needs an object 'payload'")
        return operation_problem(payload)

    def operation_id(self, message: object) -> str | None:
        """The id of the operation a message starts, if it names one."""
        if isinstance(message, dict) and message.get("type") in self.operation_types:
            operation_id = message.get("id")
            return operation_id if isinstance(operation_id, str) else None
        return None


def coded_error(message: str, code: str, field: str | None = None) -> GraphQLFormattedError:
    extensions: dict[str, Any] = {"code": code}
    if field is not None:
        extensions["field"] = field
    return {"message": message, "extensions": extensions}


def close_reason(text: str) -> str:
    """``text`` cut to what a close frame carries, on a character boundary."""
    encoded = text.encode()
    if len(encoded) <= MAX_CLOSE_REASON_BYTES:
        return text
    return encoded[: MAX_CLOSE_REASON_BYTES - 3].decode(errors="ignore") + "..."


class CheckedWebSocketAdapter(ASGIWebSocketAdapter):
    """Strawberry's adapter, except that
    - a message that is not JSON is handed to the legacy graphql-ws handler (which asks to
      ignore such messages) as ``Unparseable``, to be answered; graphql-transport-ws closes
      on it with 4400, as before;
    - a close reason is cut to what a close frame carries: some of Strawberry's closes give
      an error's text as the reason, which may quote the client's document, and a reason
      too long to send fails the close;
    - a message sent after the server closed the socket is dropped: a subscription the
      server ends (4401: log in again; 4410: resubscribe) closes first and then ends its
      stream with an error that has nowhere to go, which must not fail (and log) the
      operation's task."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        if self.ws.application_state == WebSocketState.DISCONNECTED:
            return
        await super().send_json(message)

    async def close(self, code: int, reason: str) -> None:
        await super().close(code, close_reason(reason))

    async def iter_json(
        self, *, ignore_parsing_errors: bool = False
    ) -> AsyncGenerator[object, None]:
        if not ignore_parsing_errors:
            async for message in super().iter_json():
                yield message
            return
        try:
            while self.ws.application_state != WebSocketState.DISCONNECTED:
                text = await self.ws.receive_text()
                try:
                    message = self.view.decode_json(text)
                except JSONDecodeError as error:
                    message = Unparseable(str(error))
                yield message
        except KeyError as error:  # a binary frame: Starlette finds no "text" in it
            raise NonTextMessageReceived from error
        except WebSocketDisconnect:
            pass
