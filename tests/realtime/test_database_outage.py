"""A database that cannot be reached when an operation starts: a coded refusal, never a
silent `complete`, a 500 or a stack trace."""

from __future__ import annotations

import asyncio
import json
from typing import Any, NoReturn

import httpx
import pytest
import websockets
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.applications import Starlette
from websockets import Subprotocol

import crmhub.app
import schema.extensions
from tests.factories import Seed
from tests.live_server import TRANSPORT_WS, LiveServer, serve


async def _unreachable(*_args: Any, **_kwargs: Any) -> NoReturn:
    raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))


async def _pool_exhausted(*_args: Any, **_kwargs: Any) -> NoReturn:
    raise PoolTimeout("QueuePool limit of size 1 overflow 1 reached")


async def _connect(server: LiveServer, token: str) -> websockets.ClientConnection:
    connection = await websockets.connect(server.ws_url, subprotocols=[Subprotocol(TRANSPORT_WS)])
    init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
    await connection.send(json.dumps(init))
    return connection


@pytest.mark.parametrize("failure", [_unreachable, _pool_exhausted])
async def test_a_subscription_started_during_an_outage_answers_service_unavailable(
    app: Starlette, seed: Seed, monkeypatch: pytest.MonkeyPatch, failure: Any
) -> None:
    async with serve(app) as server:
        token = await server.login(seed.member.email)
        connection = await _connect(server, token)
        async with connection:
            ack = json.loads(await asyncio.wait_for(connection.recv(), 5))
            assert ack["type"] == "connection_ack"
            # The token check of the operation itself meets the outage.
            monkeypatch.setattr(schema.extensions, "viewer_in_context", failure)
            subscribe = {"query": "subscription { feed { cursor } }"}
            await connection.send(
                json.dumps({"type": "subscribe", "id": "1", "payload": subscribe})
            )
            answer = json.loads(await asyncio.wait_for(connection.recv(), 5))
    assert answer["type"] in ("next", "error"), answer
    errors = answer["payload"] if answer["type"] == "error" else answer["payload"]["errors"]
    assert [error["extensions"]["code"] for error in errors] == ["SERVICE_UNAVAILABLE"]
    assert "Traceback" not in json.dumps(answer)


async def test_a_query_during_an_outage_answers_service_unavailable(
    app: Starlette, seed: Seed, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with serve(app) as server:
        token = await server.login(seed.member.email)
        monkeypatch.setattr(schema.extensions, "viewer_in_context", _unreachable)
        async with httpx.AsyncClient(base_url=server.url) as http:
            answer = await http.post(
                "/graphql",
                json={"query": "{ viewer { email } }"},
                headers={"Authorization": f"Bearer {token}"},
            )
    assert answer.status_code == 200
    body = answer.json()
    assert body["data"] is None
    assert [error["extensions"]["code"] for error in body["errors"]] == ["SERVICE_UNAVAILABLE"]


async def test_connection_init_during_an_outage_is_refused_not_crashed(
    app: Starlette, seed: Seed, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with serve(app) as server:
        token = await server.login(seed.member.email)
        monkeypatch.setattr(crmhub.app, "viewer_for_token", _unreachable)
        connection = await _connect(server, token)
        async with connection:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(connection.recv(), 5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4403
