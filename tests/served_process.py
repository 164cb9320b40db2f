"""`crmhub serve` in a process of its own, as it runs in production (uvloop, the guarded
HTTP protocol, the framed websocket protocol), and raw HTTP/1.1 over a socket to it."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx

from tests.conftest import TEST_SECRET
from tests.live_server import LiveServer, free_port

# Per process: a worker imports and builds the schema on its own (seconds of CPU each, many
# more on a loaded machine).
STARTUP_SECONDS = 30
STOP_SECONDS = 10
SERVE = [sys.executable, "-m", "crmhub.cli", "serve"]


@contextmanager
def crmhub_serve(
    database_url: str,
    folder: Path,
    *,
    port: int | None = None,
    workers: int = 1,
    environment: dict[str, str] | None = None,
    **settings: str,
) -> Iterator[LiveServer]:
    """``settings``: more CRMHUB_* variables (``header_timeout_seconds="1"``, …);
    ``environment``: other variables; ``port``: a given one (a restarted server comes back
    where its clients left it), else a free one."""
    port = port or free_port()
    log = folder / "crmhub-serve.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [*SERVE, "--port", str(port), "--workers", str(workers)],
            env={**_environment(database_url, settings), **(environment or {})},
            cwd=folder,  # no stray .env or secret file of the worktree
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            server = LiveServer(f"http://127.0.0.1:{port}")
            _wait_until_up(server, process, log, STARTUP_SECONDS * workers)
            yield server
        finally:
            process.terminate()
            process.wait(timeout=STOP_SECONDS * workers)


def crmhub_command(database_url: str, folder: Path, *args: str, **settings: str) -> None:
    """Runs ``crmhub ARGS`` (``migrate``, ``demo``) as `crmhub_serve` would be configured."""
    subprocess.run(
        [sys.executable, "-m", "crmhub.cli", *args],
        env=_environment(database_url, settings),
        cwd=folder,
        check=True,
        capture_output=True,
        timeout=120,
    )


def _environment(database_url: str, settings: dict[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        "CRMHUB_DATABASE_URL": database_url,
        "CRMHUB_BROADCAST_URL": "memory://",
        "CRMHUB_SECRET": TEST_SECRET,
        **{f"CRMHUB_{name.upper()}": value for name, value in settings.items()},
    }


def _wait_until_up(
    server: LiveServer, process: subprocess.Popen[bytes], log: Path, seconds: float
) -> None:
    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=server.url) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"crmhub serve exited: {log.read_text()}")
            try:
                if http.get("/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    raise RuntimeError(f"crmhub serve did not start: {log.read_text()}")


class RawConnection:
    """One TCP connection to the server, spoken to byte by byte. Reading and writing are
    independent: a server that answers and closes while the client still writes (a reset)
    does not lose the answer already received."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.loop = asyncio.get_running_loop()

    @classmethod
    @asynccontextmanager
    async def open(cls, server: LiveServer) -> AsyncIterator[RawConnection]:
        host, port = server.url.removeprefix("http://").split(":")
        sock = socket.create_connection((host, int(port)))
        sock.setblocking(False)
        try:
            yield cls(sock)
        finally:
            sock.close()

    async def send(self, data: bytes) -> bool:
        """False once the server has closed the connection."""
        try:
            await self.loop.sock_sendall(self.sock, data)
        except OSError:
            return False
        return True

    async def response(self, seconds: float) -> tuple[int, bytes]:
        """The status and body of the next response (up to its Content-Length, or to the
        connection's end)."""
        received = b""
        async with asyncio.timeout(seconds):
            while not _complete(received):
                try:
                    part = await self.loop.sock_recv(self.sock, 65536)
                except ConnectionResetError:
                    break
                if not part:
                    break
                received += part
        head, _, body = received.partition(b"\r\n\r\n")
        assert head, "the server closed without answering"
        return int(head.split(b" ", 2)[1]), body

    async def closed_by_server(self, seconds: float) -> bool:
        """True once the server has closed the connection (within ``seconds``)."""
        async with asyncio.timeout(seconds):
            while True:
                try:
                    if not await self.loop.sock_recv(self.sock, 65536):
                        return True
                except ConnectionResetError:
                    return True


def _complete(received: bytes) -> bool:
    head, separator, body = received.partition(b"\r\n\r\n")
    if not separator:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False
