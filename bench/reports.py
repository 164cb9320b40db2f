"""Reports beside their raw-SQL floor: the funnel and the sums per department, as the
Sales manager (permission filter active), on the bench dataset.

    .venv/bin/python -m bench.reports                      # 10k and 100k deals
    .venv/bin/python -m bench.reports --scales 1000000 --requests 20

For each scale: a scratch PostgreSQL database (bench/services.py), the bench dataset
(bench/dataset.py) plus a stage history (each deal moved through every working stage up to
its own), then ``--requests`` sequential requests of each report through the whole hub
in-process (ASGI, GraphQL, auth, SQL) and the floor: the same figures by one hand-written
statement each over asyncpg. Prints p50 and p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx

from bench.dataset import (
    PASSWORD,
    SALES_MANAGER_EMAIL,
    SALES_MANAGER_ID,
    Scale,
    load_dataset,
)
from bench.queries import MANAGER_DEAL_READ_FILTER, SALES_MANAGER_PATH
from bench.services import asyncpg_dsn, postgres_server_url, scratch_database
from crmhub.app import create_app
from crmhub.settings import Settings

FUNNEL = "{ funnel { deals won lost stages { stageId reached lost } } }"
# Per department of the responsible: at 100k deals the manager reads deals of more
# responsible users than a report's 100 groups.
SUMS = """{ dealReport(groupBy: [DEPARTMENT]) { groups { key { departmentId } count won
  amounts { currency sum } } } }"""

STAGE_HISTORY_SQL = """
INSERT INTO crm_deal_stage_moves (deal_id, from_stage_id, to_stage_id, moved_by_id, moved_at)
SELECT deals.id, NULL, stages.id, deals.assigned_to_id, deals.created_at
FROM crm_deals deals
JOIN crm_deal_stages current ON current.id = deals.stage_id
JOIN crm_deal_stages stages ON stages.pipeline_id = deals.pipeline_id
  AND (stages.id = current.id OR (stages.semantics = 'PROCESS' AND stages.sort <= current.sort))
"""
FLOOR_FUNNEL_SQL = f"""
SELECT furthest, semantics, count(*) FROM (
  SELECT (SELECT max(s.sort) FROM crm_deal_stage_moves m
          JOIN crm_deal_stages s ON s.id = m.to_stage_id
          WHERE m.deal_id = crm_deals.id AND s.semantics = 'PROCESS') AS furthest,
         current.semantics
  FROM crm_deals JOIN crm_deal_stages current ON current.id = crm_deals.stage_id
  WHERE crm_deals.pipeline_id = (SELECT id FROM crm_pipelines WHERE is_default)
    AND ({MANAGER_DEAL_READ_FILTER})
) AS funnel GROUP BY furthest, semantics
"""
FLOOR_SUMS_SQL = f"""
SELECT users.department_id, crm_deals.currency, count(*), sum(crm_deals.amount)
FROM crm_deals LEFT JOIN users ON users.id = crm_deals.assigned_to_id
WHERE ({MANAGER_DEAL_READ_FILTER})
GROUP BY users.department_id, crm_deals.currency
"""


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.reports", description=__doc__)
    parser.add_argument("--scales", default="10000,100000", help="deal counts, comma-separated")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per report")
    return parser.parse_args()


class Refused(Exception):
    """The hub answered with an error (its time budget ran out, say): no timing."""


async def _timed(run: Callable[[], Awaitable[Any]], requests: int) -> list[float] | str:
    """Milliseconds per request, or the error code that stopped the run."""
    try:
        await run()  # warm-up: plans, caches, the viewer's policy
        timings = []
        for _ in range(requests):
            started = time.perf_counter()
            await run()
            timings.append((time.perf_counter() - started) * 1000)
    except Refused as refused:
        return str(refused)
    return timings


def _line(name: str, timings: list[float] | str) -> str:
    if isinstance(timings, str):
        return f"  {name:<28} failed: {timings}"
    p50 = statistics.median(timings)
    p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) > 1 else p50
    return f"  {name:<28} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms"


async def _bench_scale(server_url: str, scale: Scale, requests: int) -> None:
    async with scratch_database(server_url) as url:
        dsn = asyncpg_dsn(url)
        loaded = await load_dataset(dsn, scale)
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute(STAGE_HISTORY_SQL)
            await connection.execute("ANALYZE")
            reader = (SALES_MANAGER_ID, SALES_MANAGER_PATH)
            # The floor's statements take the manager as $2 and $3, like bench/queries.py.
            floor_funnel = await _timed(
                lambda: connection.fetch(
                    FLOOR_FUNNEL_SQL.replace("$2", "$1").replace("$3", "$2"), *reader
                ),
                requests,
            )
            floor_sums = await _timed(
                lambda: connection.fetch(
                    FLOOR_SUMS_SQL.replace("$2", "$1").replace("$3", "$2"), *reader
                ),
                requests,
            )
        finally:
            await connection.close()
        hub_funnel, hub_sums = await _bench_hub(url, requests)
    print(f"{scale.deals:,} deals (loaded in {loaded.seconds:.0f} s), Sales manager:")
    print(_line("funnel: hub", hub_funnel))
    print(_line("funnel: floor", floor_funnel))
    print(_line("sums per department: hub", hub_sums))
    print(_line("sums per department: floor", floor_sums))


async def _bench_hub(url: str, requests: int) -> tuple[list[float] | str, list[float] | str]:
    settings = Settings(
        database_url=url,
        broadcast_url="memory://",
        secret="bench-reports-" + "x" * 32,
        _env_file=None,  # type: ignore[call-arg]
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench.test") as http:
            login = await http.post(
                "/graphql",
                json={
                    "query": "mutation($e: String!, $p: String!) "
                    "{ login(email: $e, password: $p) { token } }",
                    "variables": {"e": SALES_MANAGER_EMAIL, "p": PASSWORD},
                },
            )
            token = login.json()["data"]["login"]["token"]
            headers = {"Authorization": f"Bearer {token}"}

            async def ask(query: str) -> None:
                answer = (
                    await http.post("/graphql", json={"query": query}, headers=headers)
                ).json()
                if answer.get("errors"):
                    raise Refused(answer["errors"][0].get("extensions", {}).get("code"))

            return (
                await _timed(lambda: ask(FUNNEL), requests),
                await _timed(lambda: ask(SUMS), requests),
            )


async def main() -> None:
    options = _parse()
    server_url = postgres_server_url()
    for deals in (int(item) for item in options.scales.split(",")):
        await _bench_scale(server_url, Scale(deals), options.requests)


if __name__ == "__main__":
    asyncio.run(main())
