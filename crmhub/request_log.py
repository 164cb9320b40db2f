"""Who and what a log line is about: the request id, the viewer and the operation.

``RequestIds`` (ASGI middleware) gives every HTTP request and websocket a ``RequestLog``: the
id the client sent in ``X-Request-ID`` (when it is a sane token) or a new one, returned in
the response's ``X-Request-ID``. The operation's extension fills in the viewer and the
operation name (crmhub/observed_operations.py); every log line written meanwhile carries
them (crmhub/logging_setup.py), and the request ends with one access line.

The access line names the path without its query string: a GET request's query string holds
the operation's variables, which may be a password.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = b"x-request-id"
# What a client may choose as its request id: short, printable, no spaces or quotes.
_CLIENT_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:\-]{1,128}")

access_log = logging.getLogger("crmhub.access")


@dataclass
class RequestLog:
    request_id: str
    viewer_id: int | None = None
    operation: str | None = None


_current: contextvars.ContextVar[RequestLog | None] = contextvars.ContextVar(
    "crmhub_request_log", default=None
)


def current_request_log() -> RequestLog | None:
    return _current.get()


def enter_operation(viewer_id: int | None, operation: str | None) -> None:
    """Names the viewer and operation in the log lines of the running operation, and in its
    request's access line. A websocket's operations each run in a task of their own: each
    gets its own record, so that concurrent ones do not name each other."""
    request = _current.get()
    if request is None:
        return
    request.viewer_id, request.operation = viewer_id, operation
    _current.set(RequestLog(request.request_id, viewer_id, operation))


class RequestIds:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request = RequestLog(_request_id(scope))
        # Reset afterwards: a caller in the same task (a test's in-process client) must not
        # inherit the request.
        token = _current.set(request)
        try:
            await self._handle(scope, receive, send, request)
        finally:
            _current.reset(token)

    async def _handle(
        self, scope: Scope, receive: Receive, send: Send, request: RequestLog
    ) -> None:
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != REQUEST_ID_HEADER
                ]
                headers.append((REQUEST_ID_HEADER, request.request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access_log.info(
                "%s %s %d",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "request_id": request.request_id,
                    "viewer_id": request.viewer_id,
                    "operation": request.operation,
                },
            )


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER and _CLIENT_REQUEST_ID.fullmatch(value):
            return str(value.decode())
    return uuid.uuid4().hex
