"""A real `crmhub serve` killed (SIGKILL) in the middle of an import: a second process takes
the job over once the first one's lease has run out and finishes it, each row once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

from models import AccessLevel, SessionFactory
from tests.factories import Seed, every_action, grant_role
from tests.imports.api import JOB, START
from tests.live_server import LiveServer, free_port
from tests.served_process import SERVE, STARTUP_SECONDS, _environment, _wait_until_up

ROWS = 300
SETTINGS = {
    "import_batch_rows": "5",
    "import_lease_seconds": "2",
    "import_poll_seconds": "0.2",
    "automation_enabled": "false",
    "webhook_worker_enabled": "false",
    "task_overdue_check_seconds": "0",
}


def _start(
    database_url: str, folder: Path, name: str
) -> tuple[subprocess.Popen[bytes], LiveServer]:
    port = free_port()
    log = folder / f"{name}.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [*SERVE, "--port", str(port), "--workers", "1"],
            env=_environment(database_url, SETTINGS),
            cwd=folder,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(f"http://127.0.0.1:{port}")
    _wait_until_up(server, process, log, STARTUP_SECONDS)
    return process, server


async def _job(server: LiveServer, token: str, job_id: str) -> dict[str, Any]:
    data = await server.graphql(JOB, {"id": job_id, "outcome": None}, token=token)
    found: dict[str, Any] = data["importJob"]
    return found


async def test_a_killed_process_leaves_its_import_to_another(
    database_url: str, session_factory: SessionFactory, seed: Seed, tmp_path: Path
) -> None:
    await grant_role(session_factory, "Full CRM", every_action(AccessLevel.ALL), user=seed.member)
    content = "lastName,phones\n" + "".join(
        f"Person {index:03},+7 900 {index:07d}\n" for index in range(ROWS)
    )
    first, server = await asyncio.to_thread(_start, database_url, tmp_path, "first")
    try:
        token = await server.login(seed.member.email)
        operations = {
            "query": START,
            "variables": {"entity": "CONTACT", "file": None, "dryRun": False, "duplicates": "SKIP"},
        }
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            answer = await http.post(
                "/graphql",
                data={"operations": json.dumps(operations), "map": '{"0": ["variables.file"]}'},
                files={"0": ("people.csv", content.encode(), "text/csv")},
                headers={"Authorization": f"Bearer {token}", "GraphQL-Preflight": "1"},
            )
        job_id = answer.json()["data"]["startImport"]["id"]
        deadline = time.monotonic() + 60
        while (await _job(server, token, job_id))["processed"] < 20:
            assert time.monotonic() < deadline, "the first process never got going"
            await asyncio.sleep(0.05)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(timeout=10)
    second, server = await asyncio.to_thread(_start, database_url, tmp_path, "second")
    try:
        halfway = await _job(server, token, job_id)
        assert halfway["status"] == "RUNNING" and 0 < halfway["processed"] < ROWS, halfway
        deadline = time.monotonic() + 120
        while (done := await _job(server, token, job_id))["status"] == "RUNNING":
            assert time.monotonic() < deadline, done
            await asyncio.sleep(0.2)
        assert (done["status"], done["created"], done["failed"]) == ("DONE", ROWS, 0), done
        contacts = await server.graphql("{ contacts(first: 1) { totalCount } }", token=token)
        assert contacts["contacts"]["totalCount"] == ROWS
    finally:
        second.terminate()
        second.wait(timeout=10)
