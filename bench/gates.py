"""Correctness gates, checked before anything is timed.

For each query: the hub answers without ``errors``, with the expected number of items, with
exactly the floor's data, and within its SQL statement budget. A fast wrong answer is worth
nothing, so a failed gate fails the run (and its query is not timed).

Statements are counted in-process: the hub app made by ``crmhub.app.create_app`` on the
bench database, driven through httpx's ASGITransport, with a ``before_cursor_execute``
listener on ``app.state.engine``. The data compared are the real servers' answers over HTTP.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
from sqlalchemy import event, insert
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.applications import Starlette

from auth.passwords import hash_password
from bench.dataset import PASSWORD, Scale
from bench.queries import QUERIES, BenchQuery, dig
from crmhub.app import create_app
from crmhub.settings import Settings
from models import BACKGROUND_OPTION, Department, User

LOGIN = "mutation Login($e: String!, $p: String!) { login(email: $e, password: $p) { token } }"
ROOT_FIELDS = "{ __schema { queryType { fields { name } } mutationType { fields { name } } } }"


@dataclass
class GateResult:
    query: str
    statements: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def request_body(query: BenchQuery) -> bytes:
    return orjson.dumps({"query": query.document, "variables": dict(query.variables)})


REQUEST_TIMEOUT_SECONDS = 120


@asynccontextmanager
async def in_process_hub(settings: Settings) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    """The hub app, started, and a client that calls it in-process through ASGI (a report
    at 1M deals may take seconds when the machine is loaded: no early timeout)."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://hub.bench", timeout=REQUEST_TIMEOUT_SECONDS
        ) as http:
            yield app, http


async def add_bench_admin(connection: AsyncConnection, email: str, password: str) -> None:
    """An administrator in a department of their own, for benches that bring their own data
    (exports, imports)."""
    department = (
        await connection.execute(
            insert(Department).values(name="Bench", path="").returning(Department.id)
        )
    ).scalar_one()
    await connection.execute(
        insert(User).values(
            email=email,
            name="Bench Admin",
            department_id=department,
            is_admin=True,
            active=True,
            password_hash=hash_password(password),
        )
    )


async def login(http: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    """A session token of ``email`` (the bench data set's users share ``PASSWORD``)."""
    answer = await http.post(
        "/graphql", json={"query": LOGIN, "variables": {"e": email, "p": password}}
    )
    body = answer.json()
    if body.get("errors"):
        raise RuntimeError(f"login as {email} failed: {body['errors']}")
    token: str = body["data"]["login"]["token"]
    return token


async def root_fields(http: httpx.AsyncClient, token: str) -> set[str]:
    """The hub's query and mutation root fields, by introspection."""
    answer = await http.post(
        "/graphql", json={"query": ROOT_FIELDS}, headers={"Authorization": f"Bearer {token}"}
    )
    schema = answer.json()["data"]["__schema"]
    types = [schema["queryType"], schema["mutationType"] or {"fields": []}]
    return {item["name"] for kind in types for item in kind["fields"]}


async def count_statements(
    app: Starlette, http: httpx.AsyncClient, query: BenchQuery, token: str
) -> list[str]:
    statements: list[str] = []

    def record(
        _conn: Any, _cursor: Any, statement: str, _parameters: Any, context: Any, *_args: Any
    ) -> None:
        # The app's background readers (the event pump, the automation rules, the webhook
        # sender, the overdue-task scan) share the engine and mark their statements: they are
        # no request's cost, and may run at any moment of one.
        background = context is not None and context.execution_options.get(BACKGROUND_OPTION)
        if not background:
            statements.append(statement)

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        await http.post("/graphql", content=request_body(query), headers=_headers(token))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return statements


def check(
    query: BenchQuery,
    scale: Scale,
    hub: dict[str, Any],
    floor: dict[str, Any],
    statements: list[str],
) -> GateResult:
    result = GateResult(query.name, statements=statements)
    if hub.get("errors"):
        result.failures.append(f"errors: {hub['errors']}")
    data = hub.get("data") or {}
    expected = query.expected_items(scale)
    items = dig(data, query.items_path)
    found = (len(items) if isinstance(items, list) else 0) if query.items_path else int(bool(data))
    if found != expected:
        result.failures.append(f"{found} items, expected {expected}")
    if data != floor.get("data"):
        result.failures.append("hub data differ from the floor's")
    if query.hub_sql_contains and not any(query.hub_sql_contains in s for s in statements):
        result.failures.append(
            f"the hub's SQL lacks the permission predicate ({query.hub_sql_contains!r}):"
            " its list resolvers do not apply policy.read_filter yet"
        )
    if len(statements) > query.statement_budget:
        result.failures.append(f"{len(statements)} SQL statements, budget {query.statement_budget}")
    return result


async def run_gates(
    app: Starlette,
    http: httpx.AsyncClient,
    hub_url: str,
    floor_url: str,
    queries: list[BenchQuery],
    tokens: dict[str, str],
    scale: Scale,
) -> list[GateResult]:
    results = []
    async with httpx.AsyncClient(timeout=30.0) as client:
        for query in queries:
            token = tokens[query.login_email]
            # Once unmeasured: the viewer's policy is compiled on first use, then cached.
            await http.post("/graphql", content=request_body(query), headers=_headers(token))
            statements = await count_statements(app, http, query, token)
            hub = await _post(client, f"{hub_url}/graphql", query, token)
            floor = await _post(client, f"{floor_url}/q/{query.name}", query, token)
            results.append(check(query, scale, hub, floor, statements))
    return results


async def _post(
    client: httpx.AsyncClient, url: str, query: BenchQuery, token: str
) -> dict[str, Any]:
    answer = await client.post(url, content=request_body(query), headers=_headers(token))
    if answer.status_code != 200:
        return {"errors": [f"HTTP {answer.status_code}: {answer.text[:500]}"]}
    body: dict[str, Any] = orjson.loads(answer.content)
    return body


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def runnable(available_fields: set[str]) -> tuple[list[BenchQuery], list[BenchQuery]]:
    """The queries the hub can answer now, and those waiting for API still to come."""
    ready = [
        query
        for query in QUERIES
        if query.floor is not None and set(query.root_fields) <= available_fields
    ]
    return ready, [query for query in QUERIES if query not in ready]
