"""Request bodies bounded in size and in time, refused before the application reads them.

``BodyLimit`` wraps the one endpoint that reads bodies (GraphQL over HTTP):
- a declared ``Content-Length`` over the limit is answered 413 at once, the body unread;
- a body without one (chunked) is counted as it arrives and answered 413 as soon as it
  passes the limit;
- a body still incomplete ``timeout`` seconds after its headers is answered 408.

Each refusal closes the connection (``Connection: close``), so the server stops reading
what is left of the request instead of draining it.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crmhub.http_errors import error_response


class BodyRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class BodyLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int, timeout: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send, 413, self._too_large())
            return
        responded = False

        async def tracked_send(message: Message) -> None:
            nonlocal responded
            responded = responded or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, self._guarded(receive), tracked_send)
        except BodyRefused as refused:
            if responded:  # cannot happen: a body is refused only while it is being read
                raise
            await self._refuse(scope, receive, send, refused.status, refused.message)

    def _guarded(self, receive: Receive) -> Receive:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        received = 0
        complete = False

        async def guarded_receive() -> Message:
            nonlocal received, complete
            if complete:  # after the body: disconnect notices, no limit applies
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                seconds = f"{self.timeout:g}"
                raise BodyRefused(408, f"Request body not received within {seconds} s") from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyRefused(413, self._too_large())
                complete = not message.get("more_body", False)
            return message

        return guarded_receive

    def _too_large(self) -> str:
        return f"Request body larger than {self.max_bytes} bytes"

    @staticmethod
    async def _refuse(
        scope: Scope, receive: Receive, send: Send, status: int, message: str
    ) -> None:
        await error_response(status, message, field="body", close=True)(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the HTTP parser refuses it before we are called
    return None
