"""Hostile websockets against a real uvicorn on loopback, on both protocols: malformed
messages get the protocol's answer (never a traceback), per-user caps on sockets and
subscriptions, the close at the token's expiry, and the authorization key as clients send it."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
import websockets
from sqlalchemy import update
from starlette.applications import Starlette
from websockets import Subprotocol

from crmhub.settings import Settings
from models import AuthToken, SessionFactory, utcnow
from tests.conftest import TEST_SECRET
from tests.factories import Seed
from tests.live_server import LiveServer, serve

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"
FEED = "subscription { feed { cursor } }"
SUBSCRIBE = {TRANSPORT_WS: "subscribe", LEGACY_WS: "start"}


@pytest.fixture
def settings(database_url: str, broadcast_url: str) -> Settings:
    # Small caps, so that the tests reach them with a few sockets.
    return Settings(
        database_url=database_url,
        broadcast_url=broadcast_url,
        secret=TEST_SECRET,
        max_websockets_per_user=2,
        max_subscriptions_per_user=3,
        max_subscriptions_per_connection=2,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
async def server(app: Starlette, seed: Seed) -> AsyncIterator[LiveServer]:
    async with serve(app) as live:
        yield live


@pytest.fixture
async def token(server: LiveServer, seed: Seed) -> str:
    return await server.login(seed.member.email)


@pytest.fixture(autouse=True)
def no_tracebacks(caplog: pytest.LogCaptureFixture) -> Any:
    with caplog.at_level(logging.WARNING):
        yield
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not failures, [record.getMessage() for record in failures]


@asynccontextmanager
async def connected(
    server: LiveServer, protocol: str, payload: dict[str, Any] | None
) -> AsyncIterator[websockets.ClientConnection]:
    """A connection whose connection_init (``payload``; None: none sent) was acknowledged."""
    async with websockets.connect(server.ws_url, subprotocols=[Subprotocol(protocol)]) as ws:
        if payload is not None:
            await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
            ack = await receive(ws)
            assert ack["type"] == "connection_ack", ack
        yield ws


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def receive(ws: websockets.ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 5))
    return message


async def close_of(ws: websockets.ClientConnection, seconds: float = 5) -> tuple[int, str]:
    """The code and reason the server closed with (nothing else may come first)."""
    with pytest.raises(websockets.ConnectionClosed) as closed:
        message = await asyncio.wait_for(ws.recv(), seconds)
        pytest.fail(f"a message instead of a close: {message!r}")
    assert closed.value.rcvd is not None, "closed without a close frame"
    return closed.value.rcvd.code, closed.value.rcvd.reason


async def subscribe(ws: websockets.ClientConnection, protocol: str, operation_id: str) -> None:
    message = {"type": SUBSCRIBE[protocol], "id": operation_id, "payload": {"query": FEED}}
    await ws.send(json.dumps(message))


def subscribe_with(payload: object, operation_id: object = "1", kind: str = "subscribe") -> str:
    return json.dumps({"type": kind, "id": operation_id, "payload": payload})


DEEP_VARIABLES: object = 1
for _ in range(40):
    DEEP_VARIABLES = [DEEP_VARIABLES]

MALFORMED = [
    # (raw text, the words the answer names the problem with)
    ("[]", "JSON object"),
    ("5", "JSON object"),
    ('"x"', "JSON object"),
    ("null", "JSON object"),
    ('{"type": 5}', "'type'"),
    ('{"id": "1"}', "'type'"),
    ('{"type": "subscribe", "id": "1", "payload": {"query": "{ viewer { id } }\\ud800"}}', "JSON"),
    ('{"type": "subscribe", "id": "1", "payload": {"query": "\\udfff"}}', "JSON"),
    ("{not json", "JSON"),
    (subscribe_with({"query": 5}), "'query'"),
    (subscribe_with({"query": ["{ viewer { id } }"]}), "'query'"),
    (subscribe_with({"query": FEED, "variables": [1]}), "'variables'"),
    (subscribe_with({"query": FEED, "variables": "{}"}), "'variables'"),
    (subscribe_with({"query": FEED, "variables": {"v": DEEP_VARIABLES}}), "'variables'"),
    (subscribe_with({"query": FEED, "operationName": 5}), "'operationName'"),
    (subscribe_with({"query": FEED, "extensions": 5}), "'extensions'"),
    (subscribe_with("x"), "'payload'"),
    (subscribe_with(None), "'payload'"),
    (subscribe_with({"query": FEED}, operation_id=1), "'id'"),
]


async def test_transport_ws_closes_on_a_malformed_message_with_4400_and_a_reason(
    server: LiveServer, token: str
) -> None:
    for text, words in MALFORMED:
        async with connected(server, TRANSPORT_WS, bearer(token)) as ws:
            await ws.send(text)
            code, reason = await close_of(ws)
        assert code == 4400, text
        assert words in reason, (text, reason)


SYNTAX_ERRORS = [
    "subscription { feed { cursor }",
    "query { viewer { id } } " + "b" * 300,
    # Past the token limit: also refused while parsing.
    "query { " + "viewer { id } " * 2000 + "}",
]


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_a_document_that_does_not_parse_gets_the_protocols_answer(
    server: LiveServer, token: str, protocol: str
) -> None:
    for document in SYNTAX_ERRORS:
        async with connected(server, protocol, bearer(token)) as ws:
            await ws.send(subscribe_with({"query": document}, kind=SUBSCRIBE[protocol]))
            error = await receive(ws)
        assert (error["type"], error["id"]) == ("error", "1"), error
        (payload,) = error["payload"] if protocol == TRANSPORT_WS else [error["payload"]]
        assert payload["message"].startswith("Syntax Error")
        assert payload["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_an_unknown_operation_name_is_bad_user_input(
    server: LiveServer, token: str, protocol: str
) -> None:
    payload = {"query": "subscription A { feed { cursor } }", "operationName": "B"}
    async with connected(server, protocol, bearer(token)) as ws:
        await ws.send(subscribe_with(payload, kind=SUBSCRIBE[protocol]))
        error = await receive(ws)
    assert (error["type"], error["id"]) == ("error", "1"), error
    (payload,) = error["payload"] if protocol == TRANSPORT_WS else [error["payload"]]
    assert payload["extensions"] == {"code": "BAD_USER_INPUT", "field": "operationName"}
    assert payload["message"] == 'Unknown operation named "B".'


async def test_a_close_reason_quoting_the_client_is_cut_to_fit_a_close_frame(
    server: LiveServer, token: str
) -> None:
    # Strawberry closes with "Subscriber for <id> already exists": past 123 bytes here.
    long_id = "i" * 300
    async with connected(server, TRANSPORT_WS, bearer(token)) as ws:
        await subscribe(ws, TRANSPORT_WS, long_id)
        await subscribe(ws, TRANSPORT_WS, long_id)
        code, reason = await close_of(ws)
    assert code == 4409
    assert reason.startswith("Subscriber for iii")
    assert len(reason.encode()) <= 123


async def test_transport_ws_refuses_a_malformed_message_before_connection_init(
    server: LiveServer,
) -> None:
    async with connected(server, TRANSPORT_WS, None) as ws:
        await ws.send("[]")
        assert (await close_of(ws))[0] == 4400


async def test_legacy_ws_answers_a_malformed_message_with_an_error(
    server: LiveServer, token: str
) -> None:
    async with connected(server, LEGACY_WS, bearer(token)) as ws:
        for text, words in MALFORMED:
            await ws.send(text.replace('"subscribe"', '"start"'))
            answer = await receive(ws)
            if answer["type"] == "error":  # about a start with an id: that operation's error
                assert answer["id"] == "1", text
                assert answer["payload"]["extensions"]["code"] == "BAD_USER_INPUT", text
                assert words in answer["payload"]["message"], (text, answer)
            else:
                assert answer["type"] == "connection_error", (text, answer)
                assert answer["payload"]["code"] == "BAD_USER_INPUT", text
                assert words in answer["payload"]["message"], (text, answer)
        # The connection carries on: the next operation is answered.
        await ws.send(subscribe_with({"query": "{ __typename }"}, "2", "start"))
        assert (await receive(ws))["id"] == "2"


async def test_legacy_ws_answers_an_unknown_message_type(server: LiveServer, token: str) -> None:
    async with connected(server, LEGACY_WS, bearer(token)) as ws:
        await ws.send(json.dumps({"type": "subscribe", "id": "1", "payload": {"query": FEED}}))
        answer = await receive(ws)
    assert answer["type"] == "connection_error"
    assert "Unknown message type: subscribe" in answer["payload"]["message"]


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_the_subscription_limit_per_connection_answers_a_code(
    server: LiveServer, token: str, protocol: str
) -> None:
    async with connected(server, protocol, bearer(token)) as ws:
        for operation_id in ("1", "2", "3"):
            await subscribe(ws, protocol, operation_id)
        error = await receive(ws)
    assert (error["type"], error["id"]) == ("error", "3")
    (payload,) = error["payload"] if protocol == TRANSPORT_WS else [error["payload"]]
    assert payload["extensions"] == {"code": "RATE_LIMITED"}
    assert "per connection" in payload["message"]


async def test_subscriptions_are_capped_per_user_across_connections(
    server: LiveServer, token: str, seed: Seed
) -> None:
    async with (
        connected(server, TRANSPORT_WS, bearer(token)) as first,
        connected(server, LEGACY_WS, bearer(token)) as second,
    ):
        await subscribe(first, TRANSPORT_WS, "1")
        await subscribe(first, TRANSPORT_WS, "2")
        await subscribe(second, LEGACY_WS, "1")
        await subscribe(second, LEGACY_WS, "2")
        error = await receive(second)
        assert (error["type"], error["id"]) == ("error", "2")
        assert error["payload"]["extensions"] == {"code": "RATE_LIMITED"}
        assert "per user" in error["payload"]["message"]

        # Another user is not counted against this one.
        other = await server.login(seed.admin.email)
        async with connected(server, TRANSPORT_WS, bearer(other)) as theirs:
            await subscribe(theirs, TRANSPORT_WS, "1")
            await theirs.send(json.dumps({"type": "ping"}))
            assert (await receive(theirs))["type"] == "pong"

        # Ending one subscription makes room for another.
        await first.send(json.dumps({"type": "complete", "id": "1"}))
        await first.send(json.dumps({"type": "ping"}))
        assert (await receive(first))["type"] == "pong"
        await subscribe(second, LEGACY_WS, "3")
        await subscribe(second, LEGACY_WS, "4")
        # The first answer is the refusal of "4": "3" was taken, and the cap holds again.
        error = await receive(second)
        assert (error["id"], error["payload"]["extensions"]["code"]) == ("4", "RATE_LIMITED")


async def test_open_websockets_are_capped_per_user(server: LiveServer, token: str) -> None:
    async with (
        connected(server, TRANSPORT_WS, bearer(token)),
        connected(server, LEGACY_WS, bearer(token)),
    ):
        async with websockets.connect(
            server.ws_url, subprotocols=[Subprotocol(TRANSPORT_WS)]
        ) as third:
            await third.send(json.dumps({"type": "connection_init", "payload": bearer(token)}))
            code, reason = await close_of(third)
        assert code == 4403
        assert "Too many open websockets" in reason
        async with websockets.connect(
            server.ws_url, subprotocols=[Subprotocol(LEGACY_WS)]
        ) as third:
            await third.send(json.dumps({"type": "connection_init", "payload": bearer(token)}))
            refusal = await receive(third)
        assert refusal["type"] == "connection_error"
        assert refusal["payload"]["code"] == "RATE_LIMITED"
    # Closed sockets no longer count.
    async with connected(server, TRANSPORT_WS, bearer(token)):
        pass


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_subscriptions_end_with_4401_when_their_token_expires(
    server: LiveServer, token: str, session_factory: SessionFactory, protocol: str
) -> None:
    async with session_factory() as session:
        await session.execute(update(AuthToken).values(expires_at=utcnow() + timedelta(seconds=3)))
        await session.commit()
    async with connected(server, protocol, bearer(token)) as ws:
        await subscribe(ws, protocol, "1")
        code, reason = await close_of(ws, seconds=15)
    assert code == 4401
    assert "expired" in reason


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
@pytest.mark.parametrize(
    "payload",
    [
        lambda token: {"Authorization": f"Bearer {token}"},
        lambda token: {"AUTHORIZATION": f"Bearer {token}"},
        lambda token: {"headers": {"Authorization": f"Bearer {token}"}},
        lambda token: {"headers": {"authorization": f"Bearer {token}"}},
    ],
    ids=["Authorization", "AUTHORIZATION", "headers.Authorization", "headers.authorization"],
)
async def test_the_authorization_key_is_read_in_any_case_and_under_headers(
    server: LiveServer, token: str, protocol: str, payload: Any
) -> None:
    async with connected(server, protocol, payload(token)):
        pass  # acknowledged
