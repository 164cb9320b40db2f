"""Subscription fan-out: N idle ``feed`` subscribers, then a burst of K posts to everyone.

``python -m bench.fanout TOKEN EXPECTED TIMEOUT URL:COUNT [URL:COUNT …]`` is the client: it
opens COUNT graphql-transport-ws sockets on each URL, subscribes each to ``feed`` and prints
``READY``. The first event every socket receives is a warm-up: once all have it, every
subscription is live on the server (not merely sent), and the client prints ``LIVE``. It then
records, for every event delivered, receipt time minus the event's ``occurredAt`` (stamped
by the hub just before its commit; one clock, one machine). It stops after EXPECTED
deliveries or TIMEOUT seconds and prints one JSON line.

``measure_fanout`` runs that client pinned to the load core, reads the hub processes' RSS
before and after the sockets open (memory per subscriber), posts the warm-up, then the
burst, to the first process over HTTP, and summarises latency p50/p99 and deliveries per
second. Without the warm-up the burst would race the server's own work of starting
thousands of subscriptions, and the figures would time that backlog.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from bench.load import LOAD_CORE

SUBSCRIBE = "subscription { feed { cursor kind occurredAt } }"
POST = "mutation Post($input: PostInput!) { createPost(input: $input) { id } }"
# Sockets opened at once: enough to keep the hub busy, few enough that their token checks do
# not open overflow connections past PostgreSQL's max_connections (100 here, shared).
OPENING_CONCURRENCY = 20


async def _subscriber(
    url: str,
    token: str,
    received: list[tuple[float, float]],
    ready: asyncio.Event,
    live: asyncio.Event,
    gate: asyncio.Semaphore,
) -> None:
    async with gate:  # a bounded number of sockets opening at once
        socket = await connect(url, subprotocols=["graphql-transport-ws"], max_queue=None)  # type: ignore[list-item]
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        await socket.send(json.dumps(init))
        ack = json.loads(await socket.recv())
        if ack.get("type") != "connection_ack":
            raise RuntimeError(f"no connection_ack: {ack}")
        subscribe = {"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}
        await socket.send(json.dumps(subscribe))
    ready.set()
    async with socket:
        await _listen(socket, received, live)


async def _listen(
    socket: ClientConnection, received: list[tuple[float, float]], live: asyncio.Event
) -> None:
    async for raw in socket:
        now = time.time()
        message = json.loads(raw)
        if message.get("type") == "next" and not live.is_set():
            live.set()  # the warm-up event: not timed
        elif message.get("type") == "next":
            stamp = message["payload"]["data"]["feed"]["occurredAt"]
            received.append((now, datetime.fromisoformat(stamp).timestamp()))
        elif message.get("type") in ("error", "complete"):
            raise RuntimeError(f"subscription ended: {message}")


async def run_client(
    token: str, expected: int, seconds: float, targets: list[str]
) -> dict[str, Any]:
    received: list[tuple[float, float]] = []
    gate = asyncio.Semaphore(OPENING_CONCURRENCY)
    sockets: list[tuple[asyncio.Task[None], asyncio.Event]] = []
    lives: list[asyncio.Event] = []
    started = time.monotonic()
    for target in targets:
        url, count = target.rsplit(":", 1)
        for _ in range(int(count)):
            ready, live = asyncio.Event(), asyncio.Event()
            task = asyncio.create_task(_subscriber(url, token, received, ready, live, gate))
            sockets.append((task, ready))
            lives.append(live)
    # Every socket subscribed, or failed: then the servers hold them all.
    while not all(ready.is_set() or task.done() for task, ready in sockets):  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    failed = [task for task, _ in sockets if task.done()]
    opened_seconds = time.monotonic() - started
    print(f"READY {len(sockets) - len(failed)} {opened_seconds:.1f}", flush=True)
    deadline = time.monotonic() + seconds
    while not all(live.is_set() for live in lives) and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    print(f"LIVE {sum(live.is_set() for live in lives)}", flush=True)
    while len(received) < expected and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    for task, _ in sockets:
        task.cancel()
    latencies = sorted(now - stamp for now, stamp in received) or [0.0]
    window = (
        (max(now for now, _ in received) - min(stamp for _, stamp in received)) if received else 0.0
    )
    return {
        "subscribers": len(sockets) - len(failed),
        "live_subscribers": sum(live.is_set() for live in lives),
        "failed_sockets": len(failed),
        "first_failure": repr(failed[0].exception())[:300] if failed else None,
        "open_seconds": opened_seconds,
        "deliveries": len(received),
        "expected": expected,
        "latency_p50_ms": statistics.median(latencies) * 1000,
        "latency_p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "latency_max_ms": latencies[-1] * 1000,
        # First commit to last receipt.
        "deliveries_per_second": len(received) / window if window else 0.0,
    }


def _deadline(expected: int) -> float:
    """Seconds the client waits for the deliveries: a minute, or 500 deliveries a second."""
    return max(60.0, expected / 500)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def measure_fanout(
    http_urls: list[str],
    pids: list[int],
    token: str,
    poster_token: str,
    subscribers: int,
    posts: int,
) -> dict[str, Any]:
    """``subscribers`` split evenly over the processes at ``http_urls``; ``posts`` posts to
    everyone sent to the first, one after another."""
    share = subscribers // len(http_urls)
    targets = [f"{url.replace('http://', 'ws://')}/graphql:{share}" for url in http_urls]
    expected = share * len(http_urls) * posts
    rss_before = [rss_kib(pid) for pid in pids]
    command = ["taskset", "-c", str(LOAD_CORE), sys.executable, "-m", "bench.fanout",
               token, str(expected), str(_deadline(expected)), *targets]  # fmt: skip
    client = await asyncio.create_subprocess_exec(*command, stdout=subprocess.PIPE)
    assert client.stdout is not None
    ready = (await asyncio.wait_for(client.stdout.readline(), 900)).decode().split()
    if not ready or ready[0] != "READY":
        raise RuntimeError(f"fan-out client failed: {ready}")
    async with httpx.AsyncClient(base_url=http_urls[0], timeout=30.0) as http:
        await _post(http, poster_token, "warm-up")
        live = (await asyncio.wait_for(client.stdout.readline(), 900)).decode().split()
        if not live or live[0] != "LIVE":
            raise RuntimeError(f"fan-out client failed: {live}")
        await asyncio.sleep(1.0)  # let the servers settle before reading memory
        rss_after = [rss_kib(pid) for pid in pids]
        for number in range(posts):
            await _post(http, poster_token, f"burst {number}")
    stdout, _ = await client.communicate()
    result: dict[str, Any] = json.loads(stdout.decode().strip().splitlines()[-1])
    result.update(
        processes=len(http_urls),
        posts=posts,
        rss_delta_kib=sum(rss_after) - sum(rss_before),
        kib_per_subscriber=(sum(rss_after) - sum(rss_before)) / max(1, result["subscribers"]),
    )
    return result


async def _post(http: httpx.AsyncClient, token: str, body: str) -> None:
    variables = {"input": {"body": body, "recipients": [{"kind": "ALL"}]}}
    answer = await http.post(
        "/graphql",
        json={"query": POST, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    if answer.json().get("errors"):
        raise RuntimeError(f"createPost failed: {answer.text[:300]}")


def main(argv: list[str]) -> int:
    token, expected, seconds, *targets = argv
    result = asyncio.run(run_client(token, int(expected), float(seconds), targets))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
