"""Stock clients against a real `crmhub serve`: the GraphQL-over-HTTP audit of the
`graphql-http` package, and Apollo Client over HTTP and websockets."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clients.node_setup import node_clients
from tests.factories import Seed
from tests.live_server import LiveServer
from tests.served_process import crmhub_serve

NODE_SECONDS = 60


@pytest.fixture(scope="module")
def clients() -> Path:
    return node_clients()


@pytest.fixture
def server(database_url: str, seed: Seed, tmp_path: Path) -> Iterator[LiveServer]:
    with crmhub_serve(database_url, tmp_path) as served:
        yield served


def run_node(clients: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", str(clients / script), *args],
        capture_output=True,
        text=True,
        timeout=NODE_SECONDS,
        check=False,
    )


def test_the_graphql_over_http_audit_passes_without_warnings(
    clients: Path, server: LiveServer
) -> None:
    done = run_node(clients, "http_audit.mjs", f"{server.url}/graphql")
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr
    assert done.returncode == 0, done.stdout + done.stderr
    assert summary.endswith("0 warnings, 0 errors"), summary


def test_apollo_client_logs_in_queries_mutates_and_receives_live_events(
    clients: Path, server: LiveServer
) -> None:
    done = run_node(
        clients,
        "apollo_flow.mjs",
        f"{server.url}/graphql",
        server.ws_url,
        "admin@example.com",
        "demo",
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["viewer"]["email"] == "admin@example.com"
    assert seen["post"]["body"].startswith("from Apollo")
    assert seen["event"]["kind"] == "POST_CREATED"
    assert seen["event"]["cursor"]
