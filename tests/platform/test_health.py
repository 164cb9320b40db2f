"""Liveness and readiness probes."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from crmhub.app import create_app
from crmhub.settings import Settings
from subscriptions.bus import Bus
from tests.client import GraphQLClient


async def test_healthz_and_readyz_answer_when_all_is_well(client: GraphQLClient) -> None:
    assert (await client.http.get("/healthz")).json() == {"status": "ok"}
    ready = await client.http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"database": True, "bus": True}}


async def test_readyz_is_503_when_the_database_is_unreachable(settings: Settings) -> None:
    broken = settings.model_copy(
        update={"database_url": "postgresql+asyncpg://nobody@127.0.0.1:1/none"}
    )
    app: Starlette = create_app(broken)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            ready = await http.get("/readyz")
            assert (await http.get("/healthz")).status_code == 200
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"] is False


async def test_a_redis_bus_nobody_listens_on_is_unreachable() -> None:
    assert await Bus("redis://127.0.0.1:1").is_reachable() is False
    assert await Bus("memory://").is_reachable() is True
