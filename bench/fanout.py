"""Subscription fan-out: N idle ``feed`` subscribers, then K posts to everyone, one at a time.

``python -m bench.fanout TOKEN POSTS TIMEOUT URL:COUNT [URL:COUNT …]`` is the client: it
opens COUNT graphql-transport-ws sockets on each URL, subscribes each to ``feed`` and prints
``READY <sockets> <seconds>``. The first event every socket receives is a warm-up: once all
have it (or TIMEOUT seconds passed), every subscription is live on the server (not merely
sent), and the client prints ``LIVE <sockets>``. Then, for each of the POSTS events, it waits
until every live socket has received one more event (or ``EVENT_TIMEOUT_SECONDS``) and
prints ``GOT <k> <sockets>``; the parent posts the next event only after that line, so each
event is timed alone and not behind the fan-out of the ones before it. Last, one JSON line.

The client is kept light, so that at 10,000 sockets its own work does not delay receipt: raw
asyncio Protocols on uvloop, a hand-written websocket handshake and frame reader, and on the
timed path nothing but ``(time.time(), payload)`` appended per text frame. Payloads are
decoded, and latencies computed, after the last event. Latency is receipt time minus the
event's ``occurredAt`` (stamped by the hub just before its commit; one clock, one machine).

``measure_fanout`` runs that client pinned to the load core, reads the hub processes' RSS
before and after the sockets open (memory per subscriber), posts the warm-up, then the
events one by one, to the first process over HTTP. Without the warm-up the first event would
race the server's own work of starting thousands of subscriptions.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import httpx
import orjson
import uvloop

from bench.load import LOAD_CORE
from bench.wsclient import (
    OP_CLOSE,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    FrameReader,
    ProtocolError,
    check_handshake_response,
    client_frame,
    handshake_request,
)

SUBSCRIBE = "subscription { feed { cursor kind occurredAt } }"
POST = "mutation Post($input: PostInput!) { createPost(input: $input) { id } }"
# Sockets opened at once: enough to keep the hub busy, few enough that their token checks do
# not open overflow connections past PostgreSQL's max_connections (100 here, shared).
OPENING_CONCURRENCY = 20
# How long one event may take to reach every live socket before the next is posted anyway.
EVENT_TIMEOUT_SECONDS = 30.0
# Seconds one socket may take from connecting to having sent its subscribe.
OPEN_TIMEOUT_SECONDS = 120.0

# --- the client ---------------------------------------------------------------------------


class ClientRun:
    """What every socket of one client shares: the timed receipts and the per-event counts."""

    def __init__(self, posts: int) -> None:
        # (receipt time, payload) of every text frame after the warm-up, decoded afterwards.
        self.received: list[tuple[float, bytes]] = []
        self.live = 0
        # Sockets whose subscription failed after the ack: neither live nor waited for.
        self.refused = 0
        self.timing = False  # set at LIVE: sockets not live by then are left out
        self.late = 0
        # reached[k]: live sockets that have received at least k events after the warm-up.
        self.reached = [0] * (posts + 2)
        self.waiting_for = 0
        self.waiter: asyncio.Future[None] | None = None

    def count(self, count: int) -> None:
        if count < len(self.reached):
            self.reached[count] += 1
            if (
                count == self.waiting_for
                and self.reached[count] >= self.live
                and self.waiter is not None
                and not self.waiter.done()
            ):
                self.waiter.set_result(None)


class Subscriber(asyncio.Protocol):
    """One websocket: handshake, connection_init, subscribe, then receipts."""

    def __init__(self, run: ClientRun, host: str, path: str, token: str) -> None:
        self.run, self.host, self.path, self.token = run, host, path, token
        self.key = base64.b64encode(os.urandom(16)).decode()
        self.subscribed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self.head = b""
        self.upgraded = False
        self.reader = FrameReader()
        self.live = False
        self.ignored = False  # live only after LIVE: not timed
        self.received = 0
        self.closed = False
        self.failure: Exception | None = None  # why its subscription failed after the ack

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)
        self.transport.write(handshake_request(self.host, self.path, self.key))

    def data_received(self, data: bytes) -> None:
        now = time.time()
        if not self.upgraded:
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            try:
                check_handshake_response(self.head[:end], self.key)
            except ProtocolError as error:
                self._fail(error)
                return
            self.upgraded = True
            data, self.head = self.head[end + 4 :], b""
            init = {"type": "connection_init", "payload": {"authorization": f"Bearer {self.token}"}}
            self._send_text(orjson.dumps(init))
        try:
            frames = self.reader.feed(data)
        except ProtocolError as error:
            self._fail(error)
            return
        for opcode, payload in frames:
            if opcode == OP_TEXT:
                if self.live:  # the timed path: record, count, nothing else
                    self.run.received.append((now, payload))
                    self.received += 1
                    self.run.count(self.received)
                elif not self.ignored:
                    self._before_live(payload)
            elif opcode == OP_PING:
                self._write(client_frame(OP_PONG, payload))
            elif opcode == OP_CLOSE:
                self._fail(ProtocolError(f"closed by the server: {close_text(payload)}"))
                return

    def _before_live(self, payload: bytes) -> None:
        message = orjson.loads(payload)
        kind = message.get("type")
        if kind == "connection_ack":
            subscribe = {"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}
            self._send_text(orjson.dumps(subscribe))
            if not self.subscribed.done():
                self.subscribed.set_result(None)
        elif kind == "ping":
            self._send_text(b'{"type":"pong"}')
        elif kind == "next" and message.get("payload", {}).get("errors"):
            # The subscription answered with errors (SERVICE_UNAVAILABLE, say), not an event.
            self._fail(ProtocolError(f"subscription failed: {ended_text(message)}"))
        elif kind == "next" and self.run.timing:
            self.ignored = True  # the warm-up came after LIVE
            self.run.late += 1
        elif kind == "next":
            self.live = True  # the warm-up event: not timed
            self.run.live += 1
        elif kind in ("error", "complete"):
            self._fail(ProtocolError(f"subscription ended: {ended_text(message)}"))

    def _send_text(self, payload: bytes) -> None:
        self._write(client_frame(OP_TEXT, payload))

    def _write(self, frame: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(frame)

    def _fail(self, error: Exception) -> None:
        if not self.subscribed.done():
            self.subscribed.set_exception(error)
        elif self.failure is None and not self.live:
            self.failure = error
            self.run.refused += 1
        self.close()

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(client_frame(OP_CLOSE, (1000).to_bytes(2, "big")))
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.subscribed.done():
            self.subscribed.set_exception(exc or ProtocolError("connection closed"))


def close_text(payload: bytes) -> str:
    """A close frame's code and reason (RFC 6455 §5.5.1)."""
    if len(payload) < 2:
        return "no code"
    return f"{int.from_bytes(payload[:2], 'big')} {payload[2:].decode(errors='replace')}"


def ended_text(message: dict[str, Any]) -> str:
    """An ``error`` or ``complete`` message by its errors' codes and messages."""
    payload = message.get("payload")
    errors = payload.get("errors") if isinstance(payload, dict) else payload
    if not isinstance(errors, list):
        return str(message.get("type"))
    return "; ".join(
        f"{(error.get('extensions') or {}).get('code')}: {error.get('message')}" for error in errors
    )


def failure_reasons(failed: list[BaseException]) -> dict[str, int]:
    """How many sockets failed for each reason, most frequent first."""
    reasons = Counter(_reason(error) for error in failed)
    return dict(reasons.most_common())


async def _open(run: ClientRun, url: str, token: str, gate: asyncio.Semaphore) -> Subscriber:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    loop = asyncio.get_running_loop()
    async with gate:  # a bounded number of sockets opening at once
        _, protocol = await loop.create_connection(
            lambda: Subscriber(run, f"{host}:{port}", parts.path or "/", token), host, port
        )
        try:
            await asyncio.wait_for(asyncio.shield(protocol.subscribed), OPEN_TIMEOUT_SECONDS)
        except BaseException:
            protocol.close()
            raise
    return protocol


def _reason(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return f"no connection_ack within {OPEN_TIMEOUT_SECONDS:.0f} s"
    return f"{type(error).__name__}: {error}"


async def _prime(url: str, token: str) -> None:
    """One query as the subscriber before the sockets open, so that the server has compiled
    the viewer's policy: on a cold cache each operation's token check holds a pooled
    connection while it compiles the policy on a second one, and with a pool no larger than
    the sockets opening at once they all wait out the pool's timeout and are refused
    (SERVICE_UNAVAILABLE). What is measured here is the steady state of a known viewer."""
    http_url = url.replace("ws://", "http://", 1)
    async with httpx.AsyncClient(timeout=30.0) as http:
        headers = {"Authorization": f"Bearer {token}"}
        answer = await http.post(http_url, json={"query": "{ viewer { id } }"}, headers=headers)
    if answer.json().get("errors"):
        raise RuntimeError(f"the subscriber's first query failed: {answer.text[:300]}")


async def run_client(token: str, posts: int, seconds: float, targets: list[str]) -> dict[str, Any]:
    run = ClientRun(posts)
    gate = asyncio.Semaphore(OPENING_CONCURRENCY)
    started = time.monotonic()
    opening = []
    for target in targets:
        url, count = target.rsplit(":", 1)
        await _prime(url, token)
        opening += [asyncio.create_task(_open(run, url, token, gate)) for _ in range(int(count))]
    # Every socket subscribed, or failed: then the servers hold them all.
    outcomes = await asyncio.gather(*opening, return_exceptions=True)
    sockets = [item for item in outcomes if isinstance(item, Subscriber)]
    failed: list[BaseException] = [item for item in outcomes if not isinstance(item, Subscriber)]
    opened_seconds = time.monotonic() - started
    print(f"READY {len(sockets)} {opened_seconds:.1f}", flush=True)
    deadline = time.monotonic() + seconds
    while run.live + run.refused < len(sockets) and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    run.timing = True
    failed += [socket.failure for socket in sockets if socket.failure is not None]
    sockets = [socket for socket in sockets if socket.failure is None]
    print(f"LIVE {run.live}", flush=True)
    cpu_before = time.process_time()
    loop = asyncio.get_running_loop()
    for number in range(1, posts + 1):
        run.waiting_for, run.waiter = number, loop.create_future()
        if run.reached[number] < run.live:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(run.waiter, EVENT_TIMEOUT_SECONDS)
        print(f"GOT {number} {run.reached[number]}", flush=True)
    cpu_timed = time.process_time() - cpu_before
    dropped = sum(socket.closed and socket.live for socket in sockets)
    for socket in sockets:
        socket.close()
    deliveries, other = decode(run.received)
    return {
        "subscribers": len(sockets),
        "live_subscribers": run.live,
        "late_subscribers": run.late,
        "dropped_subscribers": dropped,
        "failed_sockets": len(failed),
        # Why sockets failed, counted by reason: a failure explained, not just counted.
        "failure_reasons": failure_reasons(failed),
        "open_seconds": opened_seconds,
        "other_messages": other,
        # The client's own CPU while the events arrived: what it adds to every receipt.
        "client_cpu_seconds": cpu_timed,
        "client_cpu_us_per_delivery": cpu_timed * 1e6 / max(1, len(deliveries)),
        "client_rss_kib": rss_kib(os.getpid()),
        **summarise(deliveries, run.live),
    }


def decode(received: list[tuple[float, bytes]]) -> tuple[list[tuple[float, float]], int]:
    """``(receipt, occurredAt as a timestamp)`` per ``next``, and how many were not one."""
    stamps: dict[str, float] = {}
    deliveries: list[tuple[float, float]] = []
    other = 0
    for received_at, payload in received:
        message = orjson.loads(payload)
        if message.get("type") != "next":
            other += 1
            continue
        text = message["payload"]["data"]["feed"]["occurredAt"]
        stamp = stamps.get(text)
        if stamp is None:
            stamp = stamps[text] = datetime.fromisoformat(text).timestamp()
        deliveries.append((received_at, stamp))
    return deliveries, other


def summarise(deliveries: list[tuple[float, float]], live: int) -> dict[str, Any]:
    """Per delivery and per event (deliveries grouped by ``occurredAt``) latencies."""
    events: dict[float, list[float]] = {}
    for received_at, stamp in deliveries:
        events.setdefault(stamp, []).append(received_at - stamp)
    latencies = sorted(latency for values in events.values() for latency in values) or [0.0]
    ordered = [events[stamp] for stamp in sorted(events)]
    last = [max(values) for values in ordered]  # occurredAt to the last socket's receipt
    rates = [len(values) / max(values) for values in ordered if max(values) > 0]
    return {
        "deliveries": len(deliveries),
        "events": len(ordered),
        "incomplete_events": sum(len(values) < live for values in ordered),
        "latency_p50_ms": statistics.median(latencies) * 1000,
        "latency_p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "latency_max_ms": latencies[-1] * 1000,
        "event_last_ms": [value * 1000 for value in last],
        "event_last_p50_ms": statistics.median(last) * 1000 if last else 0.0,
        "event_last_max_ms": max(last) * 1000 if last else 0.0,
        # Per event: its deliveries over occurredAt to its last receipt; median over events.
        "deliveries_per_second": statistics.median(rates) if rates else 0.0,
    }


def _warm_up_seconds(subscribers: int) -> float:
    """Seconds the client waits for the warm-up to reach every socket."""
    return max(60.0, subscribers / 100)


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
    everyone sent to the first, each once the previous one has reached every socket."""
    share = subscribers // len(http_urls)
    targets = [f"{url.replace('http://', 'ws://')}/graphql:{share}" for url in http_urls]
    rss_before = [rss_kib(pid) for pid in pids]
    command = ["taskset", "-c", str(LOAD_CORE), sys.executable, "-m", "bench.fanout",
               token, str(posts), str(_warm_up_seconds(subscribers)), *targets]  # fmt: skip
    client = await asyncio.create_subprocess_exec(*command, stdout=subprocess.PIPE)
    assert client.stdout is not None
    stdout = client.stdout

    async def expect(word: str, seconds: float) -> list[str]:
        line = (await asyncio.wait_for(stdout.readline(), seconds)).decode().split()
        if not line or line[0] != word:
            raise RuntimeError(f"fan-out client failed: expected {word}, got {line}")
        return line

    try:
        await expect("READY", 900)
        async with httpx.AsyncClient(base_url=http_urls[0], timeout=30.0) as http:
            await _post(http, poster_token, "warm-up")
            await expect("LIVE", 900)
            await asyncio.sleep(1.0)  # let the servers settle before reading memory
            rss_after = [rss_kib(pid) for pid in pids]
            for number in range(1, posts + 1):
                await _post(http, poster_token, f"event {number}")
                got = await expect("GOT", EVENT_TIMEOUT_SECONDS + 30)
                if got[1:2] != [str(number)]:
                    raise RuntimeError(f"fan-out client out of step: {got} for event {number}")
        output, _ = await client.communicate()
    except BaseException:
        if client.returncode is None:
            client.kill()
            await client.wait()
        raise
    result: dict[str, Any] = orjson.loads(output.decode().strip().splitlines()[-1])
    result.update(
        processes=len(http_urls),
        posts=posts,
        expected=share * len(http_urls) * posts,
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
    token, posts, seconds, *targets = argv
    result = uvloop.run(run_client(token, int(posts), float(seconds), targets))
    print(orjson.dumps(result).decode(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
