"""The allow-list: only documents registered by `crmhub persist` run, by hash or in full, over
HTTP and websockets; everything else is refused with PERSISTED_QUERY_NOT_IN_LIST."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from crmhub.app import create_app
from crmhub.persisted import document_hash
from crmhub.settings import Settings
from tests.factories import Seed

LOGIN = 'mutation Login { login(email: "member@example.com", password: "demo") { token } }'
VIEWER = "query Viewer { viewer { email } }"
UNLISTED = "query Unlisted { viewer { id } }"
NOT_IN_LIST = {"code": "PERSISTED_QUERY_NOT_IN_LIST"}


def _persist(settings: Settings, *files: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CRMHUB_DATABASE_URL": settings.database_url,
        "CRMHUB_SECRET": settings.secret,
        "CRMHUB_BROADCAST_URL": "memory://",
    }
    return subprocess.run(
        [sys.executable, "-m", "crmhub.cli", "persist", *map(str, files)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


@pytest.fixture
def listed(settings: Settings, seed: Seed, tmp_path: Path) -> Settings:
    manifest = tmp_path / "manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "format": "apollo-persisted-query-manifest",
                "version": 1,
                "operations": [
                    {"id": document_hash(LOGIN), "name": "Login", "type": "mutation", "body": LOGIN}
                ],
            }
        )
    )
    viewer = tmp_path / "viewer.graphql"
    viewer.write_text(VIEWER)
    result = _persist(settings, manifest, viewer)
    assert result.returncode == 0, result.stderr
    assert document_hash(LOGIN) in result.stdout
    assert document_hash(VIEWER) in result.stdout
    return settings.model_copy(update={"persisted_queries_allow_list": True})


@pytest.fixture
async def http(listed: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(listed)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50002))
        async with httpx.AsyncClient(transport=transport, base_url="http://crmhub.test") as client:
            yield client


def _hash_only(document: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": document_hash(document)}}


async def _token(http: httpx.AsyncClient) -> str:
    answer = await http.post("/graphql", json={"extensions": _hash_only(LOGIN)})
    token: str = answer.json()["data"]["login"]["token"]
    return token


async def test_registered_documents_run_by_hash_and_in_full(http: httpx.AsyncClient) -> None:
    headers = {"Authorization": f"Bearer {await _token(http)}"}
    by_hash = await http.post("/graphql", json={"extensions": _hash_only(VIEWER)}, headers=headers)
    in_full = await http.post("/graphql", json={"query": VIEWER}, headers=headers)
    expected = {"data": {"viewer": {"email": "member@example.com"}}}
    assert by_hash.json() == expected
    assert in_full.json() == expected


async def test_other_documents_are_refused_however_they_come(http: httpx.AsyncClient) -> None:
    headers = {"Authorization": f"Bearer {await _token(http)}"}
    attempts = [
        {"query": UNLISTED},
        {"extensions": _hash_only(UNLISTED)},
        {"query": UNLISTED, "extensions": _hash_only(UNLISTED)},  # registration: refused too
    ]
    for body in attempts:
        answer = await http.post("/graphql", json=body, headers=headers)
        assert answer.status_code == 400, body
        [error] = answer.json()["errors"]
        assert error["extensions"] == NOT_IN_LIST, body
    still_refused = await http.post("/graphql", json={"extensions": _hash_only(UNLISTED)})
    assert still_refused.json()["errors"][0]["extensions"] == NOT_IN_LIST


def test_a_manifest_whose_id_is_not_its_hash_registers_nothing(
    settings: Settings, seed: Seed, tmp_path: Path
) -> None:
    manifest = tmp_path / "bad.json"
    operations = [{"id": document_hash(VIEWER), "name": "Login", "body": LOGIN}]
    manifest.write_text(
        json.dumps({"format": "apollo-persisted-query-manifest", "operations": operations})
    )
    result = _persist(settings, manifest)
    assert result.returncode == 1
    assert "not the SHA-256 of its body" in result.stderr


@pytest.fixture
def sockets(listed: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(listed)) as client:
        yield client


def test_websocket_operations_are_held_to_the_allow_list(sockets: TestClient) -> None:
    token = sockets.post("/graphql", json={"extensions": _hash_only(LOGIN)}).json()
    bearer = f"Bearer {token['data']['login']['token']}"
    with sockets.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"authorization": bearer}})
        assert ws.receive_json()["type"] == "connection_ack"

        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": UNLISTED}})
        refused = ws.receive_json()
        assert refused["type"] == "error"
        assert refused["payload"][0]["extensions"] == NOT_IN_LIST

        ws.send_json(
            {"id": "2", "type": "subscribe", "payload": {"extensions": _hash_only(VIEWER)}}
        )
        assert ws.receive_json() == {
            "id": "2",
            "type": "next",
            "payload": {"data": {"viewer": {"email": "member@example.com"}}},
        }
        assert ws.receive_json() == {"id": "2", "type": "complete"}
