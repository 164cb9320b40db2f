"""The floor: what serving a benchmark query costs with no GraphQL and no ORM at all.

A minimal Starlette app served by uvicorn exactly like the hub. ``POST /q/<name>`` takes the
same body and bearer token the hub gets, checks the token with the hub's own SQL, runs the
query's floor (raw asyncpg, the hub's SQL) and answers ``{"data": …}`` dumped by orjson.

Configured from the environment: ``BENCH_FLOOR_DSN`` (asyncpg DSN) and ``CRMHUB_SECRET``.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
from collections.abc import AsyncIterator

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.queries import QUERIES, FloorFetch

# As many connections as the hub's pool holds (CRMHUB_POOL_SIZE, set by the bench).
POOL_SIZE = int(os.environ.get("CRMHUB_POOL_SIZE", "32"))
# auth/tokens.py authenticate(), as SQLAlchemy emits it (the policy epoch included).
TOKEN_SQL = (
    "SELECT auth_tokens.id, users.id AS id_1, users.is_admin, users.department_id,"
    " departments.path, (SELECT policy_epoch.epoch FROM policy_epoch"
    " WHERE policy_epoch.id = 1) AS anon_1"
    " FROM auth_tokens JOIN users ON users.id = auth_tokens.user_id"
    " LEFT OUTER JOIN departments ON departments.id = users.department_id"
    " WHERE auth_tokens.token_hash = $1::VARCHAR AND auth_tokens.revoked_at IS NULL"
    " AND auth_tokens.expires_at > now() AND users.active IS true"
)
FLOORS: dict[str, FloorFetch] = {
    query.name: query.floor for query in QUERIES if query.floor is not None
}


def json_response(body: object, status_code: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code, media_type="application/json")


def create_floor_app(dsn: str, secret: bytes) -> Starlette:
    pool: asyncpg.Pool | None = None

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        nonlocal pool
        pool = await asyncpg.create_pool(dsn, min_size=POOL_SIZE, max_size=POOL_SIZE)
        try:
            yield
        finally:
            await pool.close()

    async def run_query(request: Request) -> Response:
        floor = FLOORS.get(request.path_params["name"])
        if floor is None:
            return json_response({"error": "no such floor query"}, 404)
        body = orjson.loads(await request.body())
        header = request.headers.get("authorization", "")
        token = header[len("Bearer ") :] if header.startswith("Bearer ") else ""
        token_hash = hmac.new(secret, token.encode(), hashlib.sha256).hexdigest()
        assert pool is not None
        async with pool.acquire() as connection:
            if await connection.fetchrow(TOKEN_SQL, token_hash) is None:
                return json_response({"error": "unauthenticated"}, 401)
            data = await floor(connection, body.get("variables") or {})
        return json_response({"data": data})

    async def readyz(_request: Request) -> Response:
        return json_response({"status": "ok" if pool is not None else "starting"})

    return Starlette(
        routes=[Route("/q/{name}", run_query, methods=["POST"]), Route("/readyz", readyz)],
        lifespan=lifespan,
    )


def app_from_environment() -> Starlette:
    return create_floor_app(os.environ["BENCH_FLOOR_DSN"], os.environ["CRMHUB_SECRET"].encode())
