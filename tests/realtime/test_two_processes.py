"""Two real app processes sharing the database and a Redis bus, as in production."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx

from crmhub.websocket import FRAMED_WEBSOCKETS
from tests.conftest import TEST_SECRET
from tests.factories import Seed
from tests.live_server import LiveServer, Subscription, free_port
from tests.redis_server import private_redis

# Only bounds a hang: two processes importing and migrating on a loaded machine are slow.
READY_SECONDS = 60
FEED = "subscription { feed { kind changes } }"
POST = (
    "mutation($b: String!) {"
    " createPost(input: {title: $b, body: $b, recipients: [{kind: ALL}]}) { id } }"
)


@contextmanager
def _app_process(database_url: str, redis_url: str, log: Path) -> Iterator[LiveServer]:
    port = free_port()
    environment = {
        **os.environ,
        "CRMHUB_DATABASE_URL": database_url,
        "CRMHUB_BROADCAST_URL": redis_url,
        "CRMHUB_SECRET": TEST_SECRET,
    }
    with log.open("w") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "crmhub.asgi:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--ws",
                FRAMED_WEBSOCKETS,
            ],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            yield LiveServer(f"http://127.0.0.1:{port}")
        finally:
            process.terminate()
            process.wait(timeout=10)


async def _ready(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http, asyncio.timeout(READY_SECONDS):
        while True:
            try:
                if (await http.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)


@asynccontextmanager
async def _two_processes(
    database_url: str, redis_url: str, folder: Path
) -> AsyncIterator[tuple[LiveServer, LiveServer]]:
    with (
        _app_process(database_url, redis_url, folder / "a.log") as first,
        _app_process(database_url, redis_url, folder / "b.log") as second,
    ):
        await asyncio.gather(_ready(first), _ready(second))
        yield first, second


async def test_subscribe_on_one_process_write_through_the_other_survive_a_redis_outage(
    database_url: str, seed: Seed, tmp_path: Path
) -> None:
    with private_redis(tmp_path) as redis_server:
        async with _two_processes(database_url, redis_server.url, tmp_path) as (reader, writer):
            admin = await writer.login("admin@example.com")
            member = await reader.login("member@example.com")
            async with Subscription.open(reader, member, FEED) as feed:
                await asyncio.sleep(0.3)
                await writer.graphql(POST, {"b": "over redis"}, token=admin)
                assert (await feed.next())["feed"]["changes"]["title"][1] == "over redis"

                redis_server.stop()
                for index in range(3):
                    await writer.graphql(POST, {"b": f"during {index}"}, token=admin)
                redis_server.start()
                await writer.graphql(POST, {"b": "after"}, token=admin)
                bodies = [(await feed.next())["feed"]["changes"]["title"][1] for _ in range(4)]
                assert bodies == ["during 0", "during 1", "during 2", "after"]
