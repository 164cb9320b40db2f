"""Hostile HTTP: malformed bodies answered 400 with a coded error, and slow or oversized
request heads and bodies cut off by `crmhub serve` (a real server process on loopback)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.client import GraphQLClient
from tests.live_server import LiveServer
from tests.served_process import RawConnection, crmhub_serve

JSON = {"Content-Type": "application/json"}
DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (b"5", "body", "JSON object"),
        (b"null", "body", "JSON object"),
        (b'"x"', "body", "JSON object"),
        (b'[{"query": "{ __typename }"}]', "body", "JSON object"),
        (b"\xff\xfe{}", "body", "UTF-8"),
        (DEEP, "body", "depth"),
        (b'{"query": "{ __typename }", "variables": 5}', "variables", "object"),
        (b'{"query": "{ __typename }", "variables": [1, 2]}', "variables", "object"),
        (b'{"query": "{ __typename }", "variables": "{}"}', "variables", "object"),
        (b'{"query": 5}', "query", "string"),
        (b'{"variables": {}}', "query", "string"),
        (b'{"query": "{ __typename }", "operationName": 5}', "operationName", "string"),
        (b'{"query": "{ __typename }", "extensions": []}', "extensions", "object"),
        (b'{"query": "{ viewer { id } }\\ud800"}', "body", "surrogate"),
        (b'{"query": "{ __typename }", "variables": {"a": "\\ud800"}}', "body", "surrogate"),
        (b'{"query": "{ __typename }", "operationName": "\\udfff"}', "body", "surrogate"),
        (b'{"query": "{ __typename }", "variables": {"\\ud800": 1}}', "body", "surrogate"),
    ],
)
async def test_a_malformed_body_is_a_coded_400(
    client: GraphQLClient, caplog: pytest.LogCaptureFixture, body: bytes, field: str, words: str
) -> None:
    with caplog.at_level(logging.WARNING):
        answer = await client.http.post("/graphql", content=body, headers=JSON)
    assert answer.status_code == 400, answer.text
    (error,) = answer.json()["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert words in error["message"]
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    healthy = await client.http.post("/graphql", json={"query": "{ __typename }"})
    assert healthy.json() == {"data": {"__typename": "Query"}}


async def test_variables_nested_past_any_input_are_refused(member: GraphQLClient) -> None:
    deep: object = {"title": {"contains": "x"}}
    for _ in range(40):
        deep = {"and": [deep]}
    answer = await member.http.post(
        "/graphql",
        json={
            "query": "query($f: DealFilter) { deals(filter: $f) { totalCount } }",
            "variables": {"f": deep},
        },
        headers={"Authorization": f"Bearer {member.token}"},
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "field": "variables",
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"query": "{ __typename }", "variables": "5"}, "variables"),
        ({"query": "{ __typename }", "variables": "{not json"}, "variables"),
        ({"query": "{ __typename }", "variables": '{"a": "\\ud800"}'}, "variables"),
        ({"query": "{ __typename }", "extensions": "[]"}, "extensions"),
    ],
)
async def test_malformed_query_parameters_are_a_coded_400(
    client: GraphQLClient, params: dict[str, str], field: str
) -> None:
    answer = await client.http.get(
        "/graphql", params=params, headers={"Accept": "application/json"}
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": field}


async def test_other_refusals_are_coded_too(client: GraphQLClient) -> None:
    answer = await client.http.post(
        "/graphql",
        content=b"query=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


# A real server process, with short limits so that the tests do not wait long.
@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder: Path = tmp_path_factory.mktemp("hostile-transport")
    with crmhub_serve(
        database_url,
        folder,
        header_timeout_seconds="1",
        body_timeout_seconds="1",
        max_header_bytes="16384",
    ) as served:
        yield served


async def test_a_connection_that_sends_nothing_is_closed(server: LiveServer) -> None:
    async with RawConnection.open(server) as connection:
        status, body = await connection.response(10)
    assert status == 408
    assert json.loads(body)["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "field": "headers",
    }


async def test_headers_trickled_in_slowly_are_cut_off(server: LiveServer) -> None:
    async with RawConnection.open(server) as connection:
        await connection.send(b"POST /graphql HTTP/1.1\r\nHost: crmhub.test\r\n")

        async def trickle() -> None:
            for index in range(300):  # one header byte every 0.1 s: 30 s if never cut off
                if not await connection.send(b"X-Slow-%d: x\r\n" % index):
                    return
                await asyncio.sleep(0.1)

        trickler = asyncio.create_task(trickle())
        try:
            status, _ = await connection.response(10)
        finally:
            trickler.cancel()
            await asyncio.gather(trickler, return_exceptions=True)
    assert status == 408


async def test_oversized_headers_are_refused(server: LiveServer) -> None:
    async with RawConnection.open(server) as connection:
        await connection.send(
            b"GET /healthz HTTP/1.1\r\nHost: crmhub.test\r\nX-Big: " + b"x" * 100_000 + b"\r\n\r\n"
        )
        status, _ = await connection.response(10)
    assert status == 431


async def test_a_header_that_never_ends_is_refused_as_it_grows(server: LiveServer) -> None:
    async with RawConnection.open(server) as connection:
        await connection.send(b"GET /healthz HTTP/1.1\r\nHost: crmhub.test\r\nX-Endless: ")
        for _ in range(64):
            if not await connection.send(b"x" * 1024):
                break
        status, _ = await connection.response(10)
    assert status == 431


async def test_a_body_trickled_in_slowly_is_cut_off(server: LiveServer) -> None:
    async with RawConnection.open(server) as connection:
        await connection.send(
            b"POST /graphql HTTP/1.1\r\nHost: crmhub.test\r\n"
            b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
        )
        status, body = await connection.response(10)
    assert status == 408
    assert json.loads(body)["errors"][0]["extensions"]["field"] == "body"


async def test_kept_alive_connections_are_served_and_then_timed_out(server: LiveServer) -> None:
    request = b"GET /healthz HTTP/1.1\r\nHost: crmhub.test\r\n\r\n"
    async with RawConnection.open(server) as connection:
        for _ in range(2):
            await connection.send(request)
            status, body = await connection.response(10)
            assert (status, json.loads(body)) == (200, {"status": "ok"})
        # A second request started but never finished: its head has its own deadline.
        await connection.send(b"GET /healthz HTTP/1.1\r\n")
        status, _ = await connection.response(10)
    assert status == 408
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get("/healthz")).status_code == 200
