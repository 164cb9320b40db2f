"""Structured logs: each line of a request carries its id (``X-Request-ID``), the viewer and
the operation; secrets never appear; a subscription ended by the server logs no traceback."""

from __future__ import annotations

import asyncio
import json
import logging
from urllib.parse import urlencode

import httpx
import pytest
import websockets
from starlette.applications import Starlette

from crmhub.logging_setup import REDACTED, JsonFormatter, TextFormatter, redact
from crmhub.request_log import RequestLog
from subscriptions.hub import Hub, Overflowed
from tests.client import GraphQLClient
from tests.factories import Seed
from tests.live_server import LiveServer, Subscription
from tests.operations.logs import captured_logs

FEED = "subscription Follow { feed { kind } }"
LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }"
DISTINCTIVE_PASSWORD = "Correct-Horse-9-Battery-Staple"


async def test_a_request_id_is_kept_returned_and_logged_with_viewer_and_operation(
    admin: GraphQLClient, seed: Seed
) -> None:
    with captured_logs() as logs:
        answer = await admin.http.post(
            "/graphql",
            json={"query": "query WhoAmI { viewer { id } }"},
            headers={"Authorization": f"Bearer {admin.token}", "X-Request-ID": "req-42.a"},
        )
    assert answer.status_code == 200
    assert answer.headers["x-request-id"] == "req-42.a"
    [access] = [line for line in logs.lines() if line["logger"] == "crmhub.access"]
    assert access["request_id"] == "req-42.a"
    assert access["viewer_id"] == seed.admin.id
    assert access["operation"] == "WhoAmI"
    assert access["status"] == 200
    assert access["path"] == "/graphql"


@pytest.mark.parametrize("sent", ["has spaces", "x" * 200, 'quote"d'])
async def test_an_unusable_request_id_is_replaced(client: GraphQLClient, sent: str) -> None:
    answer = await client.http.get("/healthz", headers={"X-Request-ID": sent})
    returned = answer.headers["x-request-id"]
    assert returned != sent
    assert len(returned) == 32


async def test_a_request_without_an_id_gets_a_new_one_per_request(client: GraphQLClient) -> None:
    first = await client.http.get("/healthz")
    second = await client.http.get("/healthz")
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_lines_logged_during_an_operation_carry_its_request(
    admin: GraphQLClient,
) -> None:
    with captured_logs() as logs:
        await admin.http.post(
            "/graphql",
            json={"query": "query Deals { viewer { id } }"},
            headers={"Authorization": f"Bearer {admin.token}", "X-Request-ID": "during-1"},
        )
        logging.getLogger("crmhub.test").info("outside any request")
    lines = {line["message"]: line for line in logs.lines()}
    assert "request_id" not in lines["outside any request"]
    assert lines["POST /graphql 200"]["request_id"] == "during-1"


async def test_no_token_or_password_reaches_the_logs(server: LiveServer) -> None:
    with captured_logs(logging.DEBUG) as logs:
        token = await server.login("admin@example.com")
        async with httpx.AsyncClient(base_url=server.url) as http:
            bearer = {"Authorization": f"Bearer {token}"}
            # A failed login, a login sent with GET (refused, its password in the URL), a
            # request with the token, one with a mangled token, and a logout.
            await http.post(
                "/graphql",
                json={
                    "query": LOGIN,
                    "variables": {"e": "admin@example.com", "p": DISTINCTIVE_PASSWORD},
                },
            )
            variables = json.dumps({"e": "admin@example.com", "p": DISTINCTIVE_PASSWORD})
            refused = await http.get(
                f"/graphql?{urlencode({'query': LOGIN, 'variables': variables})}"
            )
            assert refused.status_code == 405
            await http.post("/graphql", json={"query": "{ viewer { id } }"}, headers=bearer)
            await http.post(
                "/graphql",
                json={"query": "{ viewer { id } }"},
                headers={"Authorization": f"Bearer {token}x"},
            )
        async with Subscription.open(server, token, FEED):
            await asyncio.sleep(0.2)
        await server.graphql("mutation { logout }", token=token)
    assert len([line for line in logs.lines() if line["logger"] == "crmhub.access"]) >= 6
    assert token not in logs.text
    assert token[:16] not in logs.text
    assert DISTINCTIVE_PASSWORD not in logs.text


def test_redaction_blanks_tokens_passwords_and_statement_parameters() -> None:
    assert "abc.def-123" not in redact("Authorization: Bearer abc.def-123")
    assert redact('header was "Bearer abc.def-123" then') == f'header was "Bearer {REDACTED}" then'
    assert redact('{"password": "hunter2", "email": "a@b.c"}') == (
        f'{{"password": {REDACTED}, "email": "a@b.c"}}'
    )
    assert "hunter2" not in redact("?query=x&password=hunter2&next=1")
    statement = "INSERT INTO tokens ...\n[parameters: ('secret-hash', 42)]\n(Background)"
    assert "secret-hash" not in redact(statement)
    # An API key keeps its shown prefix, wherever it appears; its secret goes.
    key = "crmk_0123456789ab_Zm9vYmFy-c2VjcmV0_x"
    assert redact(f"X-API-Key: {key}") == f"X-API-Key: {REDACTED}"
    assert redact(f"sent {key} twice: {key}") == (
        f"sent crmk_0123456789ab_{REDACTED} twice: crmk_0123456789ab_{REDACTED}"
    )


def _record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("crmhub.test", logging.WARNING, __file__, 1, message, args, None)


def test_formatters_redact_messages_and_tracebacks() -> None:
    try:
        raise ValueError("token=abcdefghijkl rejected")
    except ValueError:
        import sys

        record = _record("login with %s", "Bearer abcdefghijkl")
        record.exc_info = sys.exc_info()
    for formatter in (JsonFormatter(), TextFormatter()):
        assert "abcdefghijkl" not in formatter.format(record)


def test_a_json_line_is_one_object_with_its_request() -> None:
    import contextvars

    from crmhub import request_log

    def formatted() -> str:
        request_log._current.set(RequestLog("rid-1", viewer_id=7, operation="Op"))
        return JsonFormatter().format(_record("hello %s", "there"))

    line = json.loads(contextvars.copy_context().run(formatted))
    assert line["message"] == "hello there"
    assert (line["request_id"], line["viewer_id"], line["operation"]) == ("rid-1", 7, "Op")
    assert line["level"] == "WARNING"


async def _ended_by_server(server: LiveServer, token: str, end: object) -> int:
    """The close code of a subscription that ``end`` (a coroutine function) ends."""
    async with Subscription.open(server, token, FEED) as feed:
        await asyncio.sleep(0.3)
        await end()  # type: ignore[operator]
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(feed.connection.recv(), 5)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


async def test_subscriptions_ended_with_4401_or_4410_log_no_traceback(
    server: LiveServer, app: Starlette
) -> None:
    hub: Hub = app.state.realtime.hub
    member = await server.login("member@example.com")

    async def fall_behind() -> None:
        # What the hub does to a subscriber too far behind: end its stream with Overflowed.
        for subscriber in list(hub._channel_of):
            subscriber.queue.put_nowait(Overflowed("too far behind; resume from your last cursor"))

    async def log_out() -> None:
        await server.graphql("mutation { logout }", token=member)

    with captured_logs(logging.DEBUG) as logs:
        assert await _ended_by_server(server, member, fall_behind) == 4410
        assert await _ended_by_server(server, member, log_out) == 4401
        await asyncio.sleep(0.3)
    assert not [record for record in logs.records if record.exc_info], logs.text
    assert "Traceback" not in logs.text
