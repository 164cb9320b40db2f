"""Apollo's automatic persisted queries through the public API: a hash alone, the
PERSISTED_QUERY_NOT_FOUND answer, registration with the document, then the hash alone again,
over POST and GET, and known to every app process."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.testclient import TestClient

from crmhub.app import create_app
from crmhub.persisted import document_hash
from crmhub.settings import Settings
from tests.client import GraphQLClient
from tests.factories import Seed

VIEWER = "query Viewer { viewer { email } }"


def _extensions(document: str, version: int = 1) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": document_hash(document)}}


async def _post(client: GraphQLClient, body: dict[str, Any]) -> httpx.Response:
    headers = {"Authorization": f"Bearer {client.token}"} if client.token else {}
    return await client.http.post("/graphql", json=body, headers=headers)


async def _get(client: GraphQLClient, extensions: dict[str, Any]) -> httpx.Response:
    headers = {"Authorization": f"Bearer {client.token}"} if client.token else {}
    params = {"extensions": json.dumps(extensions), "operationName": "Viewer"}
    return await client.http.get("/graphql", params=params, headers=headers)


def _error(answer: httpx.Response) -> dict[str, Any]:
    errors = answer.json()["errors"]
    assert len(errors) == 1, errors
    error: dict[str, Any] = errors[0]
    return error


@asynccontextmanager
async def _another_process(settings: Settings, token: str) -> AsyncIterator[GraphQLClient]:
    app: Starlette = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50001))
        async with httpx.AsyncClient(transport=transport, base_url="http://other.test") as http:
            yield GraphQLClient(http, token)


async def test_an_unknown_hash_asks_for_the_document_then_the_hash_alone_runs(
    member: GraphQLClient, seed: Seed
) -> None:
    hash_only = {"extensions": _extensions(VIEWER), "operationName": "Viewer"}

    unknown = await _post(member, hash_only)
    assert unknown.status_code == 200
    assert _error(unknown) == {
        "message": "PersistedQueryNotFound",
        "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
    }

    registered = await _post(member, {**hash_only, "query": VIEWER})
    assert registered.status_code == 200
    assert registered.json() == {"data": {"viewer": {"email": seed.member.email}}}

    again = await _post(member, hash_only)
    assert again.json() == {"data": {"viewer": {"email": seed.member.email}}}


async def test_a_hash_alone_runs_over_get(member: GraphQLClient, seed: Seed) -> None:
    unknown = await _get(member, _extensions(VIEWER))
    assert _error(unknown)["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"

    await _post(member, {"query": VIEWER, "extensions": _extensions(VIEWER)})
    known = await _get(member, _extensions(VIEWER))
    assert known.status_code == 200
    assert known.json() == {"data": {"viewer": {"email": seed.member.email}}}


async def test_a_document_registered_through_one_process_runs_on_another(
    member: GraphQLClient, settings: Settings, seed: Seed
) -> None:
    assert member.token is not None
    async with _another_process(settings, member.token) as other:
        registered = await _post(member, {"query": VIEWER, "extensions": _extensions(VIEWER)})
        assert registered.json()["data"] is not None
        known = await _post(other, {"extensions": _extensions(VIEWER)})
        assert known.json() == {"data": {"viewer": {"email": seed.member.email}}}


async def test_a_document_that_does_not_match_its_hash_is_refused_and_not_kept(
    member: GraphQLClient,
) -> None:
    other_document = "query Viewer { viewer { id } }"
    wrong = await _post(member, {"query": other_document, "extensions": _extensions(VIEWER)})
    assert wrong.status_code == 400
    assert _error(wrong)["extensions"] == {"code": "BAD_USER_INPUT", "field": "extensions"}
    assert "sha does not match" in _error(wrong)["message"]

    still_unknown = await _post(member, {"extensions": _extensions(VIEWER)})
    assert _error(still_unknown)["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_malformed_persisted_query_extensions_are_coded_errors(
    member: GraphQLClient,
) -> None:
    cases = [
        {"persistedQuery": {"version": 2, "sha256Hash": document_hash(VIEWER)}},
        {"persistedQuery": {"version": 1, "sha256Hash": "not-a-hash"}},
        {"persistedQuery": {"version": 1, "sha256Hash": document_hash(VIEWER).upper()}},
        {"persistedQuery": "yes"},
    ]
    for extensions in cases:
        answer = await _post(member, {"extensions": extensions})
        assert answer.status_code == 400, extensions
        assert _error(answer)["extensions"] == {"code": "BAD_USER_INPUT", "field": "extensions"}


async def test_a_huge_document_runs_but_is_not_kept(
    member: GraphQLClient, settings: Settings, seed: Seed
) -> None:
    huge = VIEWER + "\n# " + "x" * (settings.persisted_query_max_bytes + 1)
    answer = await _post(member, {"query": huge, "extensions": _extensions(huge)})
    assert answer.json() == {"data": {"viewer": {"email": seed.member.email}}}

    not_kept = await _post(member, {"extensions": _extensions(huge)})
    assert _error(not_kept)["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_an_invalid_document_answers_its_errors_and_is_not_kept(
    member: GraphQLClient,
) -> None:
    invalid = "query Viewer { viewer { noSuchField } }"
    answer = await _post(member, {"query": invalid, "extensions": _extensions(invalid)})
    assert answer.json()["data"] is None
    assert "noSuchField" in _error(answer)["message"]

    not_kept = await _post(member, {"extensions": _extensions(invalid)})
    assert _error(not_kept)["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


def test_a_hash_alone_runs_over_a_websocket_once_registered(settings: Settings, seed: Seed) -> None:
    with TestClient(create_app(settings)) as http:
        login = 'mutation { login(email: "member@example.com", password: "demo") { token } }'
        token = http.post("/graphql", json={"query": login}).json()["data"]["login"]["token"]
        with http.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
            ws.send_json(
                {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
            )
            assert ws.receive_json()["type"] == "connection_ack"
            hash_only = {"extensions": _extensions(VIEWER)}

            ws.send_json({"id": "1", "type": "subscribe", "payload": hash_only})
            unknown = ws.receive_json()
            assert unknown["type"] == "error"
            assert unknown["payload"][0]["extensions"] == {"code": "PERSISTED_QUERY_NOT_FOUND"}

            for operation_id, payload in (("2", {**hash_only, "query": VIEWER}), ("3", hash_only)):
                ws.send_json({"id": operation_id, "type": "subscribe", "payload": payload})
                assert ws.receive_json()["payload"] == {
                    "data": {"viewer": {"email": seed.member.email}}
                }
                assert ws.receive_json() == {"id": operation_id, "type": "complete"}
