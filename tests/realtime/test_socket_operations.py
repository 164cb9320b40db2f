"""One socket, several subscriptions: when one ends (refused by the server, or completed by
the client), the others on the socket go on delivering."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import websockets
from starlette.applications import Starlette
from websockets import Subprotocol

from tests.factories import Seed
from tests.live_server import TRANSPORT_WS, LiveServer, serve

FEED = "subscription { feed { kind } }"
POST = "mutation($b: String!) { createPost(input: {body: $b, recipients: [{kind: ALL}]}) { id } }"


@pytest.fixture
async def server(app: Starlette, seed: Seed) -> AsyncIterator[LiveServer]:
    async with serve(app) as live:
        yield live


async def _receive(connection: websockets.ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(connection.recv(), 5))
    return message


async def _subscribe(connection: websockets.ClientConnection, op: str, query: str) -> None:
    await connection.send(json.dumps({"id": op, "type": "subscribe", "payload": {"query": query}}))


async def test_a_sockets_other_subscriptions_survive_when_one_ends(server: LiveServer) -> None:
    admin = await server.login("admin@example.com")
    member = await server.login("member@example.com")
    async with websockets.connect(
        server.ws_url, subprotocols=[Subprotocol(TRANSPORT_WS)]
    ) as connection:
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {member}"}}
        await connection.send(json.dumps(init))
        assert (await _receive(connection))["type"] == "connection_ack"

        await _subscribe(connection, "staying", FEED)
        await _subscribe(
            connection, "refused", 'subscription { dealChanged(dealId: "x") { kind } }'
        )
        # The server ends it: an execution error, then complete.
        refused = await _receive(connection)
        assert refused["id"] == "refused", refused
        assert refused["payload"]["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert await _receive(connection) == {"id": "refused", "type": "complete"}

        await _subscribe(connection, "completed", FEED)
        await asyncio.sleep(0.3)
        await connection.send(json.dumps({"id": "completed", "type": "complete"}))
        await asyncio.sleep(0.3)

        await server.graphql(POST, {"b": "to the one left"}, token=admin)
        delivered = await _receive(connection)
        assert delivered == {
            "id": "staying",
            "type": "next",
            "payload": {"data": {"feed": {"kind": "POST_CREATED"}}},
        }
        with pytest.raises(TimeoutError):  # nothing for the ended ones
            await asyncio.wait_for(connection.recv(), 0.5)
