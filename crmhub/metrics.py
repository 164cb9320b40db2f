"""Prometheus metrics: what they count, the ``/metrics`` endpoint, and the HTTP middleware.

Metrics live at module level, as prometheus-client keeps them: one set per process. Under
several worker processes set ``PROMETHEUS_MULTIPROC_DIR`` (an empty directory, the same for
every worker; `crmhub serve` empties it at start): each process then writes its figures to
files there and ``/metrics``, whichever process answers it, reads and sums them all.
Gauges are declared with the mode that is right across processes: "livesum" sums the
processes still alive (open sockets, connections in use).

Label values come from a fixed set (routes, operation types, outcomes, error codes) except
operation names, which clients choose: ``operation_label`` bounds how many distinct names a
process reports, so a client cannot grow the metrics without bound.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# Seconds: from a healthy request's few milliseconds to the operation timeout.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Seconds from an event's commit to its dispatch by this process's pump.
LAG_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0)
MAX_OPERATION_NAMES = 200
OTHER_OPERATIONS = "other"
ANONYMOUS_OPERATION = "anonymous"
_OPERATION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")

HTTP_REQUESTS = Counter(
    "crmhub_http_requests_total",
    "HTTP requests answered, by method, route and status code.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "crmhub_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
OPERATIONS = Counter(
    "crmhub_graphql_operations_total",
    "GraphQL operations run, over HTTP and websockets, by type, name and outcome "
    "(ok, error: answered with errors).",
    ["type", "name", "outcome"],
)
OPERATION_LATENCY = Histogram(
    "crmhub_graphql_operation_duration_seconds",
    "Time to run a query or mutation, by type and name (subscriptions: see "
    "crmhub_subscriptions_active).",
    ["type", "name"],
    buckets=LATENCY_BUCKETS,
)
ERRORS = Counter(
    "crmhub_graphql_errors_total",
    "Errors in GraphQL answers, by extensions.code.",
    ["code"],
)
WEBSOCKETS_OPEN = Gauge(
    "crmhub_websockets_open",
    "Websockets connected now.",
    multiprocess_mode="livesum",
)
SUBSCRIPTIONS_ACTIVE = Gauge(
    "crmhub_subscriptions_active",
    "Subscriptions running now, by name.",
    ["name"],
    multiprocess_mode="livesum",
)
POOL_IN_USE = Gauge(
    "crmhub_db_pool_connections_in_use",
    "Database connections checked out of the pool now.",
    multiprocess_mode="livesum",
)
POOL_OPEN = Gauge(
    "crmhub_db_pool_connections_open",
    "Database connections the pool holds open now (in use or idle).",
    multiprocess_mode="livesum",
)
POOL_CHECKOUTS = Counter(
    "crmhub_db_pool_checkouts_total",
    "Connections taken from the pool.",
)
EVENTS_WRITTEN = Counter(
    "crmhub_events_written_total",
    "Events committed to the event log (the outbox) by this process.",
)
EVENTS_PUBLISHED = Counter(
    "crmhub_events_published_total",
    "Wake-ups published on the bus after a commit that wrote events.",
)
EVENTS_DISPATCHED = Counter(
    "crmhub_events_dispatched_total",
    "Events read from the log and fanned out by this process's pump.",
)
EVENTS_DELIVERED = Counter(
    "crmhub_events_delivered_total",
    "Live events handed to subscribers (one per subscriber and event).",
)
EVENT_LAG = Histogram(
    "crmhub_event_dispatch_lag_seconds",
    "Time from an event's commit to its dispatch by this process: outbox and bus lag.",
    buckets=LAG_BUCKETS,
)

_operation_names: set[str] = set()


def operation_label(name: str | None) -> str:
    """The label for a client-chosen operation name: the first ``MAX_OPERATION_NAMES``
    distinct names as given, later ones (and malformed ones) as ``other``."""
    if not name:
        return ANONYMOUS_OPERATION
    if name in _operation_names:
        return name
    if len(_operation_names) >= MAX_OPERATION_NAMES or not _OPERATION_NAME.fullmatch(name):
        return OTHER_OPERATIONS
    _operation_names.add(name)
    return name


def is_multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROCESS_DIR_VARIABLE))


def reset_multiprocess_dir() -> None:
    """Empties the shared directory before workers start: files left by an earlier run
    would be summed with the new ones."""
    folder = os.environ.get(MULTIPROCESS_DIR_VARIABLE)
    if not folder:
        return
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()


def process_exited() -> None:
    """This process's live gauges stop counting (multi-process mode)."""
    if is_multiprocess():
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def exposition() -> bytes:
    if is_multiprocess():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


async def metrics_endpoint(_request: Request) -> Response:
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)


class HttpMetrics:
    """Counts and times HTTP requests, and counts open websockets. ``routes``: the paths
    reported as they are, and the mounts whose files are reported under their prefix
    (``/static``); any other path is reported as ``unmatched`` (bounded labels)."""

    def __init__(self, app: ASGIApp, routes: frozenset[str]) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless a response starts: an exception escaped

        async def counted_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, counted_send)
        finally:
            route = self._route(scope["path"])
            method = scope["method"]
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            HTTP_LATENCY.labels(method, route).observe(time.perf_counter() - started)

    def _route(self, path: str) -> str:
        if path in self.routes:
            return path
        mount = "/" + path.split("/", 2)[1]
        return mount if mount in self.routes and path.startswith(mount + "/") else "unmatched"

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        accepted = False

        async def counted_send(message: Message) -> None:
            nonlocal accepted
            await send(message)
            if message["type"] == "websocket.accept" and not accepted:
                accepted = True
                WEBSOCKETS_OPEN.inc()

        try:
            await self.app(scope, receive, counted_send)
        finally:
            if accepted:
                WEBSOCKETS_OPEN.dec()
