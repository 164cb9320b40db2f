"""A deals page filtered and ordered by custom fields, beside its raw-SQL floor: the Sales
manager (permission filter active) asks for the first 50 deals of one segment (an
ENUMERATION field, ``eq``) in order of their score (an INTEGER field). Part of ``make bench``
(at the scales of ``--custom-scales``, 10k by default, 2,000 in the QUICK run), or alone:

    .venv/bin/python -m bench.custom_fields --scales 10000,1000000 --requests 20

For each scale: the bench dataset (bench/dataset.py) plus the two fields, every deal in one
of five segments and nine in ten with a score, loaded with COPY; then ``--requests``
sequential requests through the whole hub in-process (ASGI, GraphQL, auth, SQL) beside one
hand-written statement over asyncpg that walks the score's index in order (what any plan
that stays flat as the deals grow must do). Prints p50 and p95 in milliseconds, and fails
when the hub's page differs from the floor's.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Iterator
from typing import Any

import asyncpg

from bench.dataset import SALES_MANAGER_EMAIL, SALES_MANAGER_ID, SEED, Scale, load_dataset
from bench.gates import in_process_hub, login
from bench.queries import SALES_MANAGER_PATH, global_id, manager_read_filter
from bench.reports import Refused, Timings, line
from bench.services import asyncpg_dsn, postgres_server_url, scratch_database
from crmhub.settings import Settings

SEGMENT_ID, SCORE_ID = 1, 2
SEGMENTS = ("Enterprise", "Mid-market", "SMB", "Public", "Partner")
ASKED_SEGMENT = "Enterprise"
PAGE = 50
# One in ten deals has no score: they sort last, and the page never reaches them.
SCORED = 0.9
MAX_SCORE = 1_000_000

DOCUMENT = """query($first: Int!, $segment: String!) {
  deals(first: $first, filter: {custom: [{field: "UF_SEGMENT", eq: $segment}]},
        orderBy: [{custom: "UF_SCORE"}]) {
    edges { node { id title customField(code: "UF_SCORE") { values { integer } } } } } }"""
VARIABLES = {"first": PAGE, "segment": ASKED_SEGMENT}

# The page by the score's (field_id, integer, record_id) index, in order, each deal checked
# for its segment and readability until 51 are found: flat in the number of deals. The inner
# join is the hub's answer as long as the page holds scored deals only (those without a
# score sort last, and nine in ten deals have one).
FLOOR_SQL = f"""
SELECT crm_deals.id, crm_deals.title, score.integer
FROM crm_custom_values score JOIN crm_deals ON crm_deals.id = score.record_id
WHERE score.field_id = $4 AND score.position = 0
  AND EXISTS (SELECT 1 FROM crm_custom_values segment WHERE segment.field_id = $5
              AND segment.record_id = crm_deals.id AND segment.text = $6)
  AND ({manager_read_filter("crm_deals")})
ORDER BY score.integer, crm_deals.id LIMIT $1
"""

FIELD_COLUMNS = ("id", "entity", "code", "name", "kind", "required", "multiple", "sort",
                 "options", "default")  # fmt: skip
VALUE_COLUMNS = ("field_id", "entity", "record_id", "position", "text", "integer")


def _fields() -> list[tuple[object, ...]]:
    options = "[" + ", ".join(f'"{name}"' for name in SEGMENTS) + "]"
    return [
        (SEGMENT_ID, "DEAL", "UF_SEGMENT", "Segment", "ENUMERATION", False, False, 10, options,
         "[]"),
        (SCORE_ID, "DEAL", "UF_SCORE", "Score", "INTEGER", False, False, 20, "[]", "[]"),
    ]  # fmt: skip


def _values(scale: Scale) -> Iterator[tuple[object, ...]]:
    rng = random.Random(SEED + 1)
    for deal_id in range(1, scale.deals + 1):
        yield (SEGMENT_ID, "DEAL", deal_id, 0, rng.choice(SEGMENTS), None)
        if rng.random() < SCORED:
            yield (SCORE_ID, "DEAL", deal_id, 0, None, rng.randrange(MAX_SCORE))


async def load_custom_values(dsn: str, scale: Scale) -> tuple[int, float]:
    """The two fields and their values on the loaded dataset: (value rows, seconds)."""
    started = time.perf_counter()
    connection = await asyncpg.connect(dsn)
    try:
        async with connection.transaction():
            await connection.copy_records_to_table(
                "crm_custom_fields", records=_fields(), columns=FIELD_COLUMNS
            )
            await connection.execute(
                "SELECT setval(pg_get_serial_sequence('crm_custom_fields', 'id'), 3, false)"
            )
            rows = list(_values(scale))
            await connection.copy_records_to_table(
                "crm_custom_values", records=rows, columns=VALUE_COLUMNS
            )
        await connection.execute("ANALYZE crm_custom_values")
    finally:
        await connection.close()
    return len(rows), time.perf_counter() - started


async def _timed(run: Any, requests: int) -> tuple[Timings, Any]:
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


async def measure_custom(database_url: str, deals: int, requests: int) -> dict[str, Any]:
    """Loads the fields' values and times the page; ``failures`` when hub and floor differ."""
    dsn = asyncpg_dsn(database_url)
    rows, loaded = await load_custom_values(dsn, Scale(deals))
    connection = await asyncpg.connect(dsn)
    try:
        floor_timings, floor_rows = await _timed(
            lambda: connection.fetch(
                FLOOR_SQL, PAGE + 1, SALES_MANAGER_ID, SALES_MANAGER_PATH,
                SCORE_ID, SEGMENT_ID, ASKED_SEGMENT,
            ),
            requests,
        )  # fmt: skip
    finally:
        await connection.close()
    hub_timings, page = await _bench_hub(database_url, requests)
    expected = [(global_id("Deal", row["id"]), row["integer"]) for row in floor_rows[:PAGE]]
    answered = None
    if page is not None:
        answered = [
            (edge["node"]["id"], edge["node"]["customField"]["values"][0]["integer"])
            for edge in page["edges"]
        ]
    failures = (
        []
        if answered == expected and len(expected) == PAGE
        else [f"custom-field page: hub {answered and answered[:3]}..., floor {expected[:3]}..."]
    )
    return {
        "value_rows": rows,
        "loaded_seconds": loaded,
        "timings": {"segment eq, by score: hub": hub_timings,
                    "segment eq, by score: floor": floor_timings},
        "failures": failures,
    }  # fmt: skip


async def _bench_hub(url: str, requests: int) -> tuple[Timings, Any]:
    settings = Settings(
        database_url=url,
        broadcast_url="memory://",
        secret="bench-custom-" + "x" * 32,
        _env_file=None,  # type: ignore[call-arg]
    )
    async with in_process_hub(settings) as (_app, http):
        headers = {"Authorization": f"Bearer {await login(http, SALES_MANAGER_EMAIL)}"}

        async def ask() -> Any:
            body = {"query": DOCUMENT, "variables": VARIABLES}
            answer = (await http.post("/graphql", json=body, headers=headers)).json()
            if answer.get("errors"):
                error = answer["errors"][0]
                raise Refused(error.get("extensions", {}).get("code") or error["message"])
            return answer["data"]["deals"]

        return await _timed(ask, requests)


def print_custom(deals: int, measured: dict[str, Any]) -> None:
    print(
        f"custom fields, {deals:,} deals, Sales manager ({measured['value_rows']:,} values"
        f" loaded in {measured['loaded_seconds']:.0f} s):"
    )
    for name, timings in measured["timings"].items():
        print(line(name, timings))
    for failure in measured["failures"]:
        print(f"  PAGES DIFFER {failure}")


async def custom_page(database_url: str, deals: int, requests: int) -> dict[str, Any]:
    """``make bench``'s part: measured on its scale's database, and printed."""
    measured = await measure_custom(database_url, deals, requests)
    print_custom(deals, measured)
    return measured


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.custom_fields", description=__doc__)
    parser.add_argument("--scales", default="10000", help="deal counts, comma-separated")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per side")
    return parser.parse_args()


async def main() -> int:
    options = _parse()
    server_url = postgres_server_url()
    failed = False
    for deals in (int(item.replace("_", "")) for item in options.scales.split(",")):
        async with scratch_database(server_url) as url:
            loaded = await load_dataset(asyncpg_dsn(url), Scale(deals))
            print(f"dataset {deals:,} deals loaded in {loaded.seconds:.0f} s", flush=True)
            measured = await measure_custom(url, deals, options.requests)
        print_custom(deals, measured)
        failed = failed or bool(measured["failures"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
