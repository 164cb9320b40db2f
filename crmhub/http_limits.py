"""Request bodies bounded in size and in time, refused before the application reads them.

``BodyLimit`` wraps the one endpoint that reads bodies (GraphQL over HTTP), whose multipart
bodies (file uploads) have a limit of their own:
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
    def __init__(
        self, app: ASGIApp, *, max_bytes: int, timeout: float, max_upload_bytes: int | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes or max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_upload_bytes if _is_multipart(scope) else self.max_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, receive, send, 413, _too_large(limit))
            return
        responded = False

        async def tracked_send(message: Message) -> None:
            nonlocal responded
            responded = responded or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, self._guarded(receive, limit), tracked_send)
        except BodyRefused as refused:
            if responded:  # cannot happen: a body is refused only while it is being read
                raise
            await self._refuse(scope, receive, send, refused.status, refused.message)

    def _guarded(self, receive: Receive, limit: int) -> Receive:
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
                if received > limit:
                    raise BodyRefused(413, _too_large(limit))
                complete = not message.get("more_body", False)
            return message

        return guarded_receive

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


def _too_large(limit: int) -> str:
    return f"Request body larger than {limit} bytes"


def _is_multipart(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            media_type: bytes = value.split(b";", 1)[0].strip().lower()
            return media_type == b"multipart/form-data"
    return False
