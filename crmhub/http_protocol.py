"""uvicorn's HTTP protocol (httptools) with a deadline and a size limit on request heads.

uvicorn times out only idle keep-alive connections: a client that opens a connection and
sends nothing, or sends a request line and then one header every few seconds (slowloris),
holds its socket for as long as it likes. ``GuardedHttpProtocol`` gives every request head
(request line and headers) ``header_timeout_seconds`` from the connection's start, or from
the first byte of a later request on a kept-alive connection, and ``max_header_bytes``;
past either it answers 408 or 431 and closes. `crmhub serve` runs it (``GUARDED_HTTP``).

uvicorn builds protocols itself, in every worker process: the limits are read once per
process from the same settings as the rest of the app (environment, ``.env``).
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from crmhub.http_errors import error_body
from crmhub.settings import Settings

# uvicorn's `http` setting (an import string) that selects the protocol below.
GUARDED_HTTP = "crmhub.http_protocol:GuardedHttpProtocol"

_STATUS_LINES = {
    408: b"HTTP/1.1 408 Request Timeout",
    431: b"HTTP/1.1 431 Request Header Fields Too Large",
}


@dataclass(frozen=True)
class HeadLimits:
    timeout: float
    max_bytes: int


@functools.cache
def configured_limits() -> HeadLimits:
    settings = Settings()
    return HeadLimits(settings.header_timeout_seconds, settings.max_header_bytes)


class GuardedHttpProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.head_limits = configured_limits()
        self._head_timer: asyncio.TimerHandle | None = None
        # The head's size as parsed (request line, headers), checked once it is complete,
        # and the bytes received while it is still incomplete, checked after each chunk.
        self._parsed_head_bytes = 0
        self._unfinished_head_bytes = 0
        self._reading_head = True
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        super().data_received(data)
        if self._reading_head and not self._refused:
            # The head is still incomplete after this chunk: the whole chunk was head.
            self._unfinished_head_bytes += len(data)
            if self._unfinished_head_bytes > self.head_limits.max_bytes:
                self._refuse_large_head()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._parsed_head_bytes = 0
        if not self._reading_head:  # a later request on a kept-alive connection
            self._await_head()

    def on_url(self, url: bytes) -> None:
        self._parsed_head_bytes += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._parsed_head_bytes += len(name) + len(value) + 4  # ": " and CRLF
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._reading_head = False
        self._unfinished_head_bytes = 0
        self._stop_head_timer()
        if self._parsed_head_bytes > self.head_limits.max_bytes:
            self._refuse_large_head()
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._refused:  # no request cycle was started for a refused head
            super().on_body(body)

    def on_message_complete(self) -> None:
        if not self._refused:
            super().on_message_complete()

    def _await_head(self) -> None:
        self._reading_head = True
        self._stop_head_timer()
        self._head_timer = self.loop.call_later(self.head_limits.timeout, self._head_timed_out)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self._reading_head and not self.transport.is_closing():
            seconds = f"{self.head_limits.timeout:g}"
            self._refuse(408, f"Request line and headers not received within {seconds} s")

    def _refuse_large_head(self) -> None:
        limit = self.head_limits.max_bytes
        self._refuse(431, f"Request line and headers longer than {limit} bytes")

    def _refuse(self, status: int, message: str) -> None:
        self._refused = True
        self._stop_head_timer()
        body = error_body(message, field="headers")
        head = b"\r\n".join(
            [
                _STATUS_LINES[status],
                b"content-type: application/json",
                b"content-length: " + str(len(body)).encode(),
                b"connection: close",
                b"",
                b"",
            ]
        )
        self.transport.write(head + body)
        self.transport.close()
