"""Websocket authentication on both protocols, through Starlette's test client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from crmhub.app import create_app
from crmhub.settings import Settings
from tests.factories import Seed

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"


@pytest.fixture
def http(settings: Settings, seed: Seed) -> Iterator[TestClient]:
    # A fresh app: the test client runs it on an event loop of its own.
    with TestClient(create_app(settings)) as client:
        yield client


def _token(http: TestClient) -> str:
    answer = http.post(
        "/graphql",
        json={
            "query": 'mutation { login(email: "member@example.com", password: "demo") { token } }'
        },
    )
    token: str = answer.json()["data"]["login"]["token"]
    return token


def test_transport_ws_runs_operations_for_a_valid_token(http: TestClient) -> None:
    token = _token(http)
    with http.websocket_connect("/graphql", subprotocols=[TRANSPORT_WS]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"type": "subscribe", "id": "1", "payload": {"query": "{ viewer { email } }"}})
        message = ws.receive_json()
        assert message == {
            "type": "next",
            "id": "1",
            "payload": {"data": {"viewer": {"email": "member@example.com"}}},
        }
        assert ws.receive_json() == {"type": "complete", "id": "1"}


@pytest.mark.parametrize("payload", [{}, {"authorization": "Bearer forged"}, {"authorization": 7}])
def test_transport_ws_closes_without_a_valid_token(http: TestClient, payload: object) -> None:
    with http.websocket_connect("/graphql", subprotocols=[TRANSPORT_WS]) as ws:
        ws.send_json({"type": "connection_init", "payload": payload})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4403


def test_transport_ws_refuses_a_revoked_token(http: TestClient) -> None:
    token = _token(http)
    http.post(
        "/graphql",
        json={"query": "mutation { logout }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    with http.websocket_connect("/graphql", subprotocols=[TRANSPORT_WS]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4403


def test_legacy_graphql_ws_authenticates_too(http: TestClient) -> None:
    token = _token(http)
    with http.websocket_connect("/graphql", subprotocols=[LEGACY_WS]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"type": "start", "id": "1", "payload": {"query": "{ viewer { email } }"}})
        # graphql-ws carries subscriptions only: a query is refused as bad input, not a crash.
        error = ws.receive_json()["payload"]
        assert error["extensions"] == {"code": "BAD_USER_INPUT"}
    with http.websocket_connect("/graphql", subprotocols=[LEGACY_WS]) as ws:
        ws.send_json({"type": "connection_init", "payload": {}})
        assert ws.receive_json()["type"] == "connection_error"
