"""/metrics: requests, operations by name and outcome, errors by code, the pool, websockets,
subscriptions, and the events' way from the log to subscribers. Figures are process-wide,
so each test compares a scrape after its actions with one before."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from crmhub import metrics
from crmhub.metrics import MULTIPROCESS_DIR_VARIABLE, OTHER_OPERATIONS, operation_label
from tests.client import GraphQLClient
from tests.live_server import LiveServer, Subscription
from tests.operations.scrape import Scrape
from tests.served_process import crmhub_serve

FEED = "subscription Follow { feed { kind } }"
POST = """mutation Say($b: String!) {
  createPost(input: {body: $b, recipients: [{kind: ALL}]}) { id }
}"""


async def scrape(http: httpx.AsyncClient) -> Scrape:
    answer = await http.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return Scrape(answer.text)


async def test_operations_are_counted_by_name_and_outcome_with_errors_by_code(
    admin: GraphQLClient,
) -> None:
    before = await scrape(admin.http)
    await admin.data("query WhoAmI { viewer { id } }")
    refused = await admin.request('query Missing { node(id: "nonsense") { id } }')
    assert refused.errors
    after = await scrape(admin.http)

    def grew(metric: str, /, **labels: str) -> float:
        return after.value(metric, **labels) - before.value(metric, **labels)

    assert grew("crmhub_graphql_operations_total", type="query", name="WhoAmI", outcome="ok") == 1
    assert grew("crmhub_graphql_operations_total", name="Missing", outcome="error") == 1
    assert grew("crmhub_graphql_errors_total", code=refused.codes[0]) == 1
    assert grew("crmhub_graphql_operation_duration_seconds_count", name="WhoAmI") == 1
    assert grew("crmhub_http_requests_total", method="POST", route="/graphql", status="200") == 2
    assert grew("crmhub_http_request_duration_seconds_count", route="/graphql") == 2
    assert grew("crmhub_db_pool_checkouts_total") >= 2
    assert "crmhub_db_pool_connections_in_use" in after.names()
    assert after.value("crmhub_db_pool_connections_open") >= 1


async def test_a_syntax_error_counts_as_an_invalid_operation(client: GraphQLClient) -> None:
    before = await scrape(client.http)
    response = await client.request("{ viewer {")
    after = await scrape(client.http)
    assert response.code == "BAD_USER_INPUT"
    labels = {"type": "invalid", "outcome": "error"}
    grown = after.value("crmhub_graphql_operations_total", **labels) - before.value(
        "crmhub_graphql_operations_total", **labels
    )
    assert grown == 1


async def test_unknown_paths_share_one_label(client: GraphQLClient) -> None:
    await client.http.get("/no/such/page/12345")
    after = await scrape(client.http)
    assert after.value("crmhub_http_requests_total", route="unmatched", status="404") >= 1
    assert not [labels for _, labels, _ in after.samples if "12345" in str(labels)]


def test_operation_names_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    # A set of its own: the process's is shared by every test.
    monkeypatch.setattr(metrics, "_operation_names", set())
    assert operation_label(None) == "anonymous"
    assert operation_label("x" * 65) == OTHER_OPERATIONS
    assert operation_label("spaces are not names") == OTHER_OPERATIONS
    names = {operation_label(f"Generated{index}") for index in range(1000)}
    assert OTHER_OPERATIONS in names
    assert len(names) <= 201


async def scrape_until(
    http: httpx.AsyncClient, condition: Callable[[Scrape], bool], seconds: float = 5.0
) -> Scrape:
    """The first scrape that meets ``condition`` (the subscription's start is asynchronous)."""
    async with asyncio.timeout(seconds):
        while not condition(page := await scrape(http)):  # noqa: ASYNC110 - no event to wait on
            await asyncio.sleep(0.02)
    return page


async def test_sockets_subscriptions_and_events_are_counted(server: LiveServer) -> None:
    admin = await server.login("admin@example.com")
    member = await server.login("member@example.com")
    async with httpx.AsyncClient(base_url=server.url) as http:
        before = await scrape(http)
        async with Subscription.open(server, member, FEED) as feed:
            during = await scrape_until(
                http, lambda page: page.value("crmhub_subscriptions_active", name="Follow") > 0
            )
            await server.graphql(POST, {"b": "counted"}, token=admin)
            assert (await feed.next())["feed"]["kind"] == "POST_CREATED"
            delivered = await scrape(http)
        after = await scrape_until(
            http, lambda page: page.value("crmhub_subscriptions_active", name="Follow") == 0
        )

    def grew(later: Scrape, metric: str, /, **labels: str) -> float:
        return later.value(metric, **labels) - before.value(metric, **labels)

    assert grew(during, "crmhub_websockets_open") == 1
    assert grew(during, "crmhub_subscriptions_active", name="Follow") == 1
    assert grew(after, "crmhub_websockets_open") == 0
    assert grew(after, "crmhub_subscriptions_active", name="Follow") == 0
    # The post's event and its recipients' notification events, in one transaction.
    written = grew(delivered, "crmhub_events_written_total")
    assert written >= 1
    assert grew(after, "crmhub_events_dispatched_total") == written
    assert grew(after, "crmhub_event_dispatch_lag_seconds_count") == written
    assert grew(delivered, "crmhub_events_delivered_total") >= 1  # the feed's, at least
    # One wake-up per committed transaction, published after the commit in a task of its
    # own: it may trail the delivery.
    assert grew(after, "crmhub_events_published_total") == 1
    assert grew(after, "crmhub_graphql_operations_total", name="Follow", type="subscription") == 1


def test_workers_report_the_sum_of_every_process(database_url: str, tmp_path: Path) -> None:
    shared = tmp_path / "prometheus"
    shared.mkdir()
    (shared / "counter_1.db").write_bytes(b"left by an earlier run")
    with crmhub_serve(
        database_url, tmp_path, workers=2, environment={MULTIPROCESS_DIR_VARIABLE: str(shared)}
    ) as server:
        assert not (shared / "counter_1.db").exists()  # emptied at start
        with httpx.Client(base_url=server.url) as http:
            before = Scrape(http.get("/metrics").text).value(
                "crmhub_http_requests_total", route="/healthz"
            )
        # A connection per request: the kernel hands them to either worker.
        for _ in range(40):
            with httpx.Client(base_url=server.url) as http:
                assert http.get("/healthz").status_code == 200
        writers = {path.name for path in shared.glob("counter_*.db")}
        assert len(writers) >= 2, writers  # both workers write their figures
        for _ in range(10):
            with httpx.Client(base_url=server.url) as http:
                page = Scrape(http.get("/metrics").text)
            assert page.value("crmhub_http_requests_total", route="/healthz") == before + 40
