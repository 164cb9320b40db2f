"""Per-user limits on websockets, across the process, and the end of a socket at its token's
expiry.

Every websocket has a ``Socket`` (made by its protocol handler, crmhub/websocket.py). Once
its ``connection_init`` is authenticated, ``SocketLimits.admit`` counts it against its user;
it is released when the connection ends. Operations are counted where they live, in each
handler's own table of running operations, so the counts cannot drift from what runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

from resolvers.live import CLOSE_UNAUTHORIZED

RATE_LIMITED = "RATE_LIMITED"
TOKEN_EXPIRED = "Token expired: log in again"

# The socket whose connection_init is being handled, set by its handler around the call
# to the view's on_ws_connect (which Strawberry gives only the connection's context).
CONNECTING: ContextVar[Socket | None] = ContextVar("crmhub_connecting_socket", default=None)


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str


class Socket:
    """One websocket: its user once admitted, its running operations, its expiry timer."""

    def __init__(self, running_operations: Callable[[], int]) -> None:
        self.running_operations = running_operations
        self.user_id: int | None = None
        self.limits: SocketLimits | None = None
        self._expiry: asyncio.TimerHandle | None = None
        self._closing: asyncio.Task[None] | None = None

    def close_at(self, expires_at: datetime, close: Callable[[int, str], Awaitable[None]]) -> None:
        """Close the socket with 4401 when its token expires: every operation on it was
        authorised by that token."""
        if self._expiry is not None:
            self._expiry.cancel()
        loop = asyncio.get_running_loop()
        delay = max(0.0, (expires_at - datetime.now(UTC)).total_seconds())

        async def closing() -> None:
            await close(CLOSE_UNAUTHORIZED, TOKEN_EXPIRED)

        def expire() -> None:
            self._closing = loop.create_task(closing())

        self._expiry = loop.call_later(delay, expire)

    def operation_refusal(self) -> Refusal | None:
        """Why one more operation may not start on this socket, if it may not."""
        return self.limits.operation_refusal(self) if self.limits is not None else None

    def end(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
        if self.limits is not None:
            self.limits.release(self)


class SocketLimits:
    """The process's admitted websockets, by user."""

    def __init__(self, *, sockets_per_user: int, operations_per_user: int, per_socket: int) -> None:
        self.sockets_per_user = sockets_per_user
        self.operations_per_user = operations_per_user
        self.per_socket = per_socket
        self._by_user: dict[int, set[Socket]] = {}

    def admit(self, socket: Socket, user_id: int) -> Refusal | None:
        if socket.user_id == user_id:
            return None  # a repeated connection_init (legacy graphql-ws allows it)
        self.release(socket)  # ... possibly with another user's token
        sockets = self._by_user.setdefault(user_id, set())
        if len(sockets) >= self.sockets_per_user:
            return Refusal(
                RATE_LIMITED,
                f"Too many open websockets for this user (at most {self.sockets_per_user})",
            )
        sockets.add(socket)
        socket.user_id, socket.limits = user_id, self
        return None

    def release(self, socket: Socket) -> None:
        user_id = socket.user_id
        socket.user_id, socket.limits = None, None
        sockets = self._by_user.get(user_id, set()) if user_id is not None else set()
        sockets.discard(socket)
        if user_id is not None and not sockets:
            self._by_user.pop(user_id, None)

    def operation_refusal(self, socket: Socket) -> Refusal | None:
        if socket.running_operations() >= self.per_socket:
            return Refusal(
                RATE_LIMITED,
                f"Subscription limit reached: at most {self.per_socket} per connection",
            )
        assert socket.user_id is not None
        running = sum(other.running_operations() for other in self._by_user[socket.user_id])
        if running >= self.operations_per_user:
            return Refusal(
                RATE_LIMITED,
                f"Subscription limit reached: at most {self.operations_per_user} per user",
            )
        return None

    def open_sockets(self, user_id: int) -> int:
        return len(self._by_user.get(user_id, ()))
