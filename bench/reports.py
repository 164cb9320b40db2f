"""Reports beside their raw-SQL floor: the funnel and the per-responsible sums, as the Sales
manager (permission filter active), on the bench dataset. Part of ``make bench`` (at the
scales of ``--report-scales``, 10k by default), or alone:

    .venv/bin/python -m bench.reports --scales 10000 --requests 20
    .venv/bin/python -m bench.reports --scales 1000000 --requests 20

For each scale: the bench dataset (bench/dataset.py) plus a stage history (each deal moved
through every working stage up to its own), loaded without triggers and then tallied as the
migration does (models/crm/tallies.py); then ``--requests`` sequential requests of each
report through the whole hub in-process (ASGI, GraphQL, auth, SQL), beside two floors: one
hand-written statement over the tallies (what the hub's plan does), and one over the deals
(what any plan reading the rows costs). Prints p50 and p95 in milliseconds, and fails when
the hub's figures differ from the floors'.

The per-responsible sums are of 100 sales agents (``assignedToId in``): a report answers
at most 100 groups, and at 1M deals the manager reads the deals of 5,000 users.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import asyncpg

from bench.dataset import (
    SALES_MANAGER_EMAIL,
    SALES_MANAGER_ID,
    Scale,
    load_dataset,
)
from bench.gates import in_process_hub, login
from bench.queries import SALES_MANAGER_PATH, global_id
from bench.services import asyncpg_dsn, postgres_server_url, scratch_database
from crmhub.settings import Settings
from models.crm.funnel_tallies import REBUILD_SQL as REBUILD_FUNNEL_SQL
from models.crm.tallies import REBUILD_SQL

FUNNEL = "{ funnel { deals won lost stages { stageId reached lost } } }"
SUMS = """query($ids: [ID!]) { dealReport(groupBy: [RESPONSIBLE],
  filter: {assignedToId: {in: $ids}}) {
  groups { key { responsibleId } count won amounts { currency sum } } } }"""
# Agents 3..102: the bench's users 1 and 2 are the admin and the manager.
AGENTS = list(range(3, 103))

STAGE_HISTORY_SQL = """
INSERT INTO crm_deal_stage_moves (deal_id, from_stage_id, to_stage_id, moved_by_id, moved_at)
SELECT deals.id, NULL, stages.id, deals.assigned_to_id, deals.created_at
FROM crm_deals deals
JOIN crm_deal_stages current ON current.id = deals.stage_id
JOIN crm_deal_stages stages ON stages.pipeline_id = deals.pipeline_id
  AND (stages.id = current.id OR (stages.semantics = 'PROCESS' AND stages.sort <= current.sort))
"""


def _read_filter(table: str, responsible: str) -> str:
    """The manager's READ predicate (OPEN: own, opened, or the responsible in the Sales
    subtree), the subtree as one uncorrelated set: $1 the user, $2 the department path."""
    return (
        f"{table}.{responsible} = $1::BIGINT OR {table}.opened IS true OR {table}.{responsible}"
        " IN (SELECT users.id FROM users JOIN departments ON departments.id ="
        " users.department_id WHERE departments.path LIKE $2::VARCHAR || '%')"
    )


DEFAULT_PIPELINE = "(SELECT id FROM crm_pipelines WHERE is_default)"
FLOOR_FUNNEL_TALLIES_SQL = f"""
SELECT furthest.sort, current.semantics, sum(t.deals) FROM crm_deal_tallies t
JOIN crm_deal_stages current ON current.id = t.stage_id
LEFT JOIN crm_deal_stages furthest ON furthest.id = t.furthest_stage_id
WHERE current.pipeline_id = {DEFAULT_PIPELINE} AND ({_read_filter("t", "responsible_id")})
GROUP BY furthest.sort, current.semantics
"""
# The hub's plan since the funnel tallies per department: the manager's subtree or opened
# deals by department, and own deals of neither from the deal tallies.
FLOOR_FUNNEL_DEPARTMENTS_SQL = f"""
SELECT furthest.sort, current.semantics, sum(t.deals) FROM crm_deal_funnel_tallies t
JOIN crm_deal_stages current ON current.id = t.stage_id
LEFT JOIN crm_deal_stages furthest ON furthest.id = t.furthest_stage_id
WHERE current.pipeline_id = {DEFAULT_PIPELINE} AND (t.opened IS true OR t.department_id IN
  (SELECT id FROM departments WHERE path LIKE $2::VARCHAR || '%'))
GROUP BY furthest.sort, current.semantics
UNION ALL
SELECT furthest.sort, current.semantics, sum(t.deals) FROM crm_deal_tallies t
JOIN crm_deal_stages current ON current.id = t.stage_id
LEFT JOIN crm_deal_stages furthest ON furthest.id = t.furthest_stage_id
WHERE current.pipeline_id = {DEFAULT_PIPELINE} AND t.responsible_id = $1::BIGINT
  AND NOT (t.opened IS true OR coalesce((SELECT department_id FROM users WHERE id = $1), 0)
  IN (SELECT id FROM departments WHERE path LIKE $2::VARCHAR || '%'))
GROUP BY furthest.sort, current.semantics
"""
FLOOR_FUNNEL_ROWS_SQL = f"""
SELECT furthest, semantics, count(*) FROM (
  SELECT (SELECT max(s.sort) FROM crm_deal_stage_moves m
          JOIN crm_deal_stages s ON s.id = m.to_stage_id
          WHERE m.deal_id = crm_deals.id AND s.semantics = 'PROCESS') AS furthest,
         current.semantics
  FROM crm_deals JOIN crm_deal_stages current ON current.id = crm_deals.stage_id
  WHERE crm_deals.pipeline_id = {DEFAULT_PIPELINE}
    AND ({_read_filter("crm_deals", "assigned_to_id")})
) AS funnel GROUP BY furthest, semantics
"""
FLOOR_SUMS_TALLIES_SQL = f"""
SELECT t.responsible_id, t.currency, sum(t.deals),
  sum(CASE WHEN current.semantics = 'SUCCESS' THEN t.deals ELSE 0 END), sum(t.amount)
FROM crm_deal_tallies t JOIN crm_deal_stages current ON current.id = t.stage_id
WHERE t.responsible_id = ANY($3::BIGINT[]) AND ({_read_filter("t", "responsible_id")})
GROUP BY t.responsible_id, t.currency HAVING sum(t.deals) > 0
"""
FLOOR_SUMS_ROWS_SQL = f"""
SELECT crm_deals.assigned_to_id, crm_deals.currency, count(*),
  count(*) FILTER (WHERE current.semantics = 'SUCCESS'), sum(crm_deals.amount)
FROM crm_deals JOIN crm_deal_stages current ON current.id = crm_deals.stage_id
WHERE crm_deals.assigned_to_id = ANY($3::BIGINT[])
  AND ({_read_filter("crm_deals", "assigned_to_id")})
GROUP BY crm_deals.assigned_to_id, crm_deals.currency
"""
Timings = list[float] | str


class Refused(Exception):
    """The hub answered with an error (its time budget ran out, say): no timing."""


async def _timed(run: Callable[[], Awaitable[Any]], requests: int) -> tuple[Timings, Any]:
    """Milliseconds per request (or the error code that stopped the run), and an answer."""
    try:
        answer = await run()  # warm-up: plans, caches, the viewer's policy
        timings = []
        for _ in range(requests):
            started = time.perf_counter()
            await run()
            timings.append((time.perf_counter() - started) * 1000)
    except Refused as refused:
        return str(refused), None
    return timings, answer


def line(name: str, timings: Timings) -> str:
    if isinstance(timings, str):
        return f"  {name:<34} failed: {timings}"
    p50 = statistics.median(timings)
    p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) > 1 else p50
    return f"  {name:<34} p50 {p50:9.1f} ms   p95 {p95:9.1f} ms   ({len(timings)} requests)"


async def prepare(dsn: str) -> float:
    """Adds the stage history and tallies it; returns the seconds taken."""
    started = time.perf_counter()
    connection = await asyncpg.connect(dsn)
    try:
        async with connection.transaction():
            # A bulk load: the triggers would tally each of millions of moves one by one.
            await connection.execute("SET LOCAL session_replication_role = replica")
            await connection.execute(STAGE_HISTORY_SQL)
            for statement in [*REBUILD_SQL.split(";"), *REBUILD_FUNNEL_SQL.split(";")]:
                await connection.execute(statement)
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
    return time.perf_counter() - started


async def measure_reports(database_url: str, requests: int, row_requests: int) -> dict[str, Any]:
    """Times the reports on a loaded bench database; ``failures`` lists figures of the hub
    that differ from the floors'."""
    dsn = asyncpg_dsn(database_url)
    prepared = await prepare(dsn)
    reader = (SALES_MANAGER_ID, SALES_MANAGER_PATH)
    connection = await asyncpg.connect(dsn)
    try:

        async def fetch(sql: str, *extra: Any) -> Any:
            return await connection.fetch(sql, *reader, *extra)

        floors = {
            "funnel: floor (tallies)": await _timed(
                lambda: fetch(FLOOR_FUNNEL_TALLIES_SQL), requests
            ),
            "funnel: floor (department tallies)": await _timed(
                lambda: fetch(FLOOR_FUNNEL_DEPARTMENTS_SQL), requests
            ),
            "funnel: floor (deals)": await _timed(
                lambda: fetch(FLOOR_FUNNEL_ROWS_SQL), row_requests
            ),
            "sums per responsible: floor (tallies)": await _timed(
                lambda: fetch(FLOOR_SUMS_TALLIES_SQL, AGENTS), requests
            ),
            "sums per responsible: floor (deals)": await _timed(
                lambda: fetch(FLOOR_SUMS_ROWS_SQL, AGENTS), row_requests
            ),
        }
    finally:
        await connection.close()
    hub = await _bench_hub(database_url, requests)
    timings = {
        "funnel: hub": hub["funnel"][0],
        **{name: value[0] for name, value in floors.items() if name.startswith("funnel")},
        "sums per responsible: hub": hub["sums"][0],
        **{name: value[0] for name, value in floors.items() if name.startswith("sums")},
    }
    failures = _compare(hub, floors)
    return {"prepared_seconds": prepared, "timings": timings, "failures": failures}


def _compare(hub: dict[str, Any], floors: dict[str, Any]) -> list[str]:
    failures = []
    funnel = hub["funnel"][1]
    for name in (
        "funnel: floor (tallies)",
        "funnel: floor (department tallies)",
        "funnel: floor (deals)",
    ):
        rows = floors[name][1]
        won = sum(n for _sort, semantics, n in rows if semantics == "SUCCESS")
        lost = sum(n for _sort, semantics, n in rows if semantics == "FAILURE")
        total = sum(n for *_key, n in rows)
        answered = None if funnel is None else (funnel["deals"], funnel["won"], funnel["lost"])
        if answered != (total, won, lost):
            failures.append(f"funnel: hub {answered}, {name} {(total, won, lost)}")
    sums = hub["sums"][1]
    amounts = None
    if sums is not None:
        amounts = {
            (group["key"]["responsibleId"], amount["currency"]): Decimal(amount["sum"])
            for group in sums["groups"]
            for amount in group["amounts"]
        }
    for name in ("sums per responsible: floor (tallies)", "sums per responsible: floor (deals)"):
        expected = {
            (global_id("User", responsible), currency): Decimal(total)
            for responsible, currency, _count, _won, total in floors[name][1]
        }
        if amounts != expected:
            failures.append(f"sums per responsible: the hub's differ from {name}")
    return failures


async def _bench_hub(url: str, requests: int) -> dict[str, tuple[Timings, Any]]:
    settings = Settings(
        database_url=url,
        broadcast_url="memory://",
        secret="bench-reports-" + "x" * 32,
        _env_file=None,  # type: ignore[call-arg]
    )
    async with in_process_hub(settings) as (_app, http):
        headers = {"Authorization": f"Bearer {await login(http, SALES_MANAGER_EMAIL)}"}

        async def ask(query: str, variables: dict[str, Any] | None = None) -> Any:
            body = {"query": query, "variables": variables or {}}
            answer = (await http.post("/graphql", json=body, headers=headers)).json()
            if answer.get("errors"):
                raise Refused(answer["errors"][0].get("extensions", {}).get("code"))
            return next(iter(answer["data"].values()))

        ids = [global_id("User", pk) for pk in AGENTS]
        return {
            "funnel": await _timed(lambda: ask(FUNNEL), requests),
            "sums": await _timed(lambda: ask(SUMS, {"ids": ids}), requests),
        }


def print_reports(deals: int, measured: dict[str, Any]) -> None:
    print(
        f"reports, {deals:,} deals, Sales manager (history and tallies in"
        f" {measured['prepared_seconds']:.0f} s):"
    )
    for name, timings in measured["timings"].items():
        print(line(name, timings))
    for failure in measured["failures"]:
        print(f"  FIGURES DIFFER {failure}")


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.reports", description=__doc__)
    parser.add_argument("--scales", default="10000", help="deal counts, comma-separated")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per report")
    parser.add_argument(
        "--row-requests", type=int, default=5, help="timed requests of the floors over the deals"
    )
    return parser.parse_args()


async def main() -> int:
    options = _parse()
    server_url = postgres_server_url()
    failed = False
    for deals in (int(item) for item in options.scales.split(",")):
        async with scratch_database(server_url) as url:
            loaded = await load_dataset(asyncpg_dsn(url), Scale(deals))
            print(f"dataset {deals:,} deals loaded in {loaded.seconds:.0f} s", flush=True)
            measured = await measure_reports(url, options.requests, options.row_requests)
        print_reports(deals, measured)
        failed = failed or bool(measured["failures"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
