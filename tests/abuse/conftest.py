"""The abuse suite: hostile requests against a real app process on loopback.

The hub runs in a process of its own (as `crmhub serve` runs it), so that a request that
ties up its event loop shows in the latency of /healthz probes sent from this process.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from crmhub.settings import Settings
from tests.live_server import LiveServer, free_port

READY_WITHIN_SECONDS = 30
PROBE_INTERVAL_SECONDS = 0.02
MAX_PROBES = 1_000


@contextmanager
def _app_process(settings: Settings, log: Path) -> Iterator[LiveServer]:
    port = free_port()
    environment = {
        **os.environ,
        "CRMHUB_DATABASE_URL": settings.database_url,
        "CRMHUB_BROADCAST_URL": settings.broadcast_url,
        "CRMHUB_SECRET": settings.secret,
    }
    command = [sys.executable, "-m", "uvicorn", "crmhub.asgi:app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    with log.open("w") as output:
        process = subprocess.Popen(command, env=environment, stdout=output, stderr=output)
        try:
            yield LiveServer(f"http://127.0.0.1:{port}")
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                # Its event loop is stuck (the harm a test may have done): it cannot even
                # see the signal.
                process.kill()
                process.wait(timeout=10)


async def _ready(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        async with asyncio.timeout(READY_WITHIN_SECONDS):
            while True:
                try:
                    if (await http.get("/readyz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)


@pytest.fixture
async def hub(settings: Settings, engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[LiveServer]:
    """A real app process on the test database (emptied after the test, as ever)."""
    with _app_process(settings, tmp_path / "hub.log") as server:
        await _ready(server)
        yield server


@dataclass
class Probes:
    """/healthz asked every 20 ms, on one kept-alive connection."""

    latencies: list[float] = field(default_factory=list)

    @property
    def slowest(self) -> float:
        return max(self.latencies)


@asynccontextmanager
async def _probing(server: LiveServer) -> AsyncIterator[Probes]:
    probes = Probes()
    stop = asyncio.Event()
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        await http.get("/healthz")  # the connection, opened before timing starts

        async def probe() -> None:
            while len(probes.latencies) < MAX_PROBES:
                started = time.perf_counter()
                answer = await http.get("/healthz")
                probes.latencies.append(time.perf_counter() - started)
                assert answer.status_code == 200
                if stop.is_set():
                    return
                await asyncio.sleep(PROBE_INTERVAL_SECONDS)

        task = asyncio.create_task(probe())
        try:
            yield probes
        finally:
            stop.set()
            await asyncio.wait_for(task, 15)


Probing = Callable[[], AbstractAsyncContextManager[Probes]]


@pytest.fixture
def probing(hub: LiveServer) -> Probing:
    """``async with probing() as probes:`` probes the hub's /healthz while the block runs
    (and once after): only then, so that the test's own work between requests does not
    delay the probes it times."""
    return lambda: _probing(hub)
