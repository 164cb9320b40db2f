"""A real uvicorn server on loopback, and a minimal graphql-transport-ws client."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
import websockets
from starlette.applications import Starlette
from websockets import Subprotocol

from crmhub.websocket import FRAMED_WEBSOCKETS

TRANSPORT_WS = "graphql-transport-ws"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveServer:
    url: str

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/graphql"

    async def graphql(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with httpx.AsyncClient(base_url=self.url) as http:
            answer = await http.post(
                "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
            )
        body: dict[str, Any] = answer.json()
        assert not body.get("errors"), body
        return body["data"]  # type: ignore[no-any-return]

    async def login(self, email: str, password: str = "demo") -> str:
        data = await self.graphql(
            "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
            {"e": email, "p": password},
        )
        return str(data["login"]["token"])


@asynccontextmanager
async def serve(app: Starlette, *, framed: bool = True) -> AsyncIterator[LiveServer]:
    """Serves an app whose lifespan the caller already runs (lifespan off here). ``framed``:
    as `crmhub serve` runs (live events take the express lane); else uvicorn's default."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            lifespan="off",
            log_level="warning",
            ws=FRAMED_WEBSOCKETS if framed else "auto",
        )
    )
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
            await asyncio.sleep(0.01)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


class Subscription:
    """One graphql-transport-ws connection carrying one subscription."""

    def __init__(self, connection: websockets.ClientConnection) -> None:
        self.connection = connection

    @classmethod
    @asynccontextmanager
    async def open(
        cls, server: LiveServer, token: str, query: str, variables: dict[str, Any] | None = None
    ) -> AsyncIterator[Subscription]:
        async with websockets.connect(
            server.ws_url, subprotocols=[Subprotocol(TRANSPORT_WS)]
        ) as connection:
            await connection.send(
                json.dumps(
                    {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
                )
            )
            ack = json.loads(await asyncio.wait_for(connection.recv(), 5))
            assert ack["type"] == "connection_ack", ack
            payload = {"query": query, "variables": variables or {}}
            await connection.send(json.dumps({"type": "subscribe", "id": "1", "payload": payload}))
            yield cls(connection)

    async def next(self) -> dict[str, Any]:
        message = json.loads(await asyncio.wait_for(self.connection.recv(), 5))
        assert message["type"] == "next", message
        assert not message["payload"].get("errors"), message
        return message["payload"]["data"]  # type: ignore[no-any-return]

    async def nothing_for(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self.connection.recv(), seconds)
        except TimeoutError:
            return True
        return False
