"""``importJobChanged``: the job now, then as it moves, ending once it is DONE; only for
whoever may read the job."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import websockets
from starlette.applications import Starlette
from websockets import Subprotocol

from tests.client import GraphQLClient
from tests.conftest import logged_in
from tests.factories import Seed
from tests.imports.api import started
from tests.live_server import TRANSPORT_WS, serve

WATCH = "subscription($id: ID!) { importJobChanged(id: $id) { status processed created total } }"


async def _messages(url: str, token: str, job_id: str, then: Any = None) -> list[dict[str, Any]]:
    async with websockets.connect(url, subprotocols=[Subprotocol(TRANSPORT_WS)]) as socket:
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        await socket.send(json.dumps(init))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        payload = {"query": WATCH, "variables": {"id": job_id}}
        await socket.send(json.dumps({"type": "subscribe", "id": "1", "payload": payload}))
        received: list[dict[str, Any]] = []
        work = None
        while True:
            message = json.loads(await asyncio.wait_for(socket.recv(), 20))
            received.append(message)
            if message["type"] != "next":
                break
            if work is None and then is not None:
                work = asyncio.create_task(then())
        if work is not None:
            await work
        return received


async def test_progress_is_pushed_until_the_job_is_done(
    app: Starlette, member: GraphQLClient, client: GraphQLClient, seed: Seed
) -> None:
    rows = "".join(f"Person {index}\n" for index in range(10))
    job_id = await started(member, "CONTACT", f"lastName\n{rows}".encode())
    assert member.token is not None
    async with serve(app) as live:
        messages = await _messages(live.ws_url, member.token, job_id, app.state.imports.run_once)
        head = await logged_in(client, seed.head.email)
        assert head.token is not None
        refused = await _messages(live.ws_url, head.token, job_id)
    assert messages[-1]["type"] == "complete"
    jobs = [message["payload"]["data"]["importJobChanged"] for message in messages[:-1]]
    assert jobs[0]["status"] == "QUEUED"
    assert jobs[-1] == {"status": "DONE", "processed": 10, "created": 10, "total": 10}
    processed = [job["processed"] for job in jobs]
    assert processed == sorted(processed)
    assert refused[0]["type"] == "next", refused
    assert refused[0]["payload"]["errors"][0]["extensions"]["code"] == "NOT_FOUND"
