"""Both websocket protocols, spoken by clients that are not ours.

graphql-transport-ws by the `graphql-ws` npm package (its reference client) in Node; both
protocols, and its default choice, by the Python `gql` client; automatic persisted queries
by Apollo Client's persisted-queries link.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from gql import Client, gql
from gql.transport.websockets import WebsocketsTransport
from starlette.applications import Starlette

from subscriptions.realtime import Realtime
from tests.clients.node_setup import node_clients
from tests.factories import Seed
from tests.live_server import LiveServer, serve

POST = "mutation($b: String!) { createPost(input: {body: $b, recipients: [{kind: ALL}]}) { id } }"


@pytest.fixture
async def server(app: Starlette, seed: Seed) -> AsyncIterator[LiveServer]:
    async with serve(app) as live:
        yield live


@pytest.fixture(scope="session")
def node_client() -> Path:
    return node_clients() / "feed_client.mjs"


async def test_the_graphql_ws_npm_client_follows_and_resumes_the_feed(
    app: Starlette, server: LiveServer, node_client: Path
) -> None:
    realtime: Realtime = app.state.services.realtime
    admin = await server.login("admin@example.com")
    member = await server.login("member@example.com")

    async def run_client(count: int, after: str | None = None) -> list[dict[str, str]]:
        args = [str(node_client), server.ws_url, member, str(count)] + ([after] if after else [])
        process = await asyncio.create_subprocess_exec(
            "node", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        if after is None:
            # Live events reach it only once it has subscribed (node starts slowly).
            for _ in range(1500):
                if len(realtime.hub):
                    break
                await asyncio.sleep(0.01)
            for index in range(3):
                await server.graphql(POST, {"b": f"live {index}"}, token=admin)
        stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0, stderr.decode()
        return [json.loads(line) for line in stdout.decode().splitlines()]

    live = await run_client(3)
    assert [event["kind"] for event in live] == ["POST_CREATED"] * 3
    for index in range(4):
        await server.graphql(POST, {"b": f"missed {index}"}, token=admin)
    resumed = await run_client(4, after=live[-1]["cursor"])
    assert len({event["cursor"] for event in live + resumed}) == 7


async def test_the_gql_client_speaks_the_legacy_graphql_ws_protocol(server: LiveServer) -> None:
    admin = await server.login("admin@example.com")
    member = await server.login("member@example.com")
    transport = WebsocketsTransport(
        url=server.ws_url,
        init_payload={"authorization": f"Bearer {member}"},
        subprotocols=[WebsocketsTransport.APOLLO_SUBPROTOCOL],
    )
    subscription = gql("subscription { feed { kind actor { email } } }")
    async with Client(transport=transport) as session:
        events = session.subscribe(subscription)

        async def first() -> dict[str, object]:
            async for event in events:
                return dict(event)
            raise AssertionError("stream ended")

        pending = asyncio.ensure_future(asyncio.wait_for(first(), 10))
        await asyncio.sleep(0.5)
        await server.graphql(POST, {"b": "to the legacy client"}, token=admin)
        event = await pending
        # Closed, not abandoned: gql waits for every open subscription's end (its close
        # timeout, 10 s) before it closes the session.
        await events.aclose()
        assert transport.subprotocol == "graphql-ws"
    assert event["feed"] == {"kind": "POST_CREATED", "actor": {"email": "admin@example.com"}}


async def _next_event(events: AsyncIterator[dict[str, object]]) -> dict[str, object]:
    async for event in events:
        return dict(event)
    raise AssertionError("stream ended")


@pytest.mark.parametrize(
    "subprotocols",
    [None, [WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL], [WebsocketsTransport.APOLLO_SUBPROTOCOL]],
    ids=["gql-default", "graphql-transport-ws", "graphql-ws"],
)
async def test_a_sockets_other_subscriptions_survive_when_one_ends(
    server: LiveServer, subprotocols: list[str] | None
) -> None:
    admin = await server.login("admin@example.com")
    member = await server.login("member@example.com")
    transport = WebsocketsTransport(
        url=server.ws_url,
        init_payload={"authorization": f"Bearer {member}"},
        subprotocols=subprotocols,
    )
    subscription = gql("subscription { feed { kind actor { email } } }")
    async with Client(transport=transport) as session:
        ending, staying = session.subscribe(subscription), session.subscribe(subscription)
        first_of = [asyncio.ensure_future(_next_event(s)) for s in (ending, staying)]
        await asyncio.sleep(0.5)
        await server.graphql(POST, {"b": "to both"}, token=admin)
        for pending in first_of:
            await asyncio.wait_for(pending, 10)

        await ending.aclose()  # one subscription of the socket ends ...
        await asyncio.sleep(0.2)
        later = asyncio.ensure_future(_next_event(staying))
        await asyncio.sleep(0.2)
        await server.graphql(POST, {"b": "to the one left"}, token=admin)
        event = await asyncio.wait_for(later, 10)  # ... and the other still delivers
        await staying.aclose()
        # gql offers the legacy protocol first; the README says how to pick the current one.
        assert (
            transport.subprotocol == (subprotocols or [WebsocketsTransport.APOLLO_SUBPROTOCOL])[0]
        )
    assert event["feed"] == {"kind": "POST_CREATED", "actor": {"email": "admin@example.com"}}


async def test_apollo_clients_persisted_queries_link_registers_then_sends_hashes_alone(
    server: LiveServer, node_client: Path
) -> None:
    process = await asyncio.create_subprocess_exec(
        "node",
        str(node_client.parent / "apq_client.mjs"),
        server.url + "/graphql",
        "member@example.com",
        "demo",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()
    run = json.loads(stdout.decode().splitlines()[-1])
    assert run["first"] == run["second"] == "member@example.com"
    not_found = {"method": "GET", "hash": True, "query": False}
    assert run["requests"] == [
        # The login mutation: its hash alone (POST), unknown; then with its document.
        {"method": "POST", "hash": True, "query": False, "codes": ["PERSISTED_QUERY_NOT_FOUND"]},
        {"method": "POST", "hash": True, "query": True, "codes": []},
        # The viewer query from a fresh client: hashed GET, unknown, then the document.
        {**not_found, "codes": ["PERSISTED_QUERY_NOT_FOUND"]},
        {"method": "POST", "hash": True, "query": True, "codes": []},
        # Another fresh client: the hashed GET alone now runs.
        {**not_found, "codes": []},
    ]
