"""The write mix: ``createDeal`` then ``moveDeal`` on the deal just made, over and over.

``python -m bench.writes URL TOKEN SECONDS CONNECTIONS STAGE_ID`` is the client: CONNECTIONS
asyncio workers on one keep-alive httpx pool, each alternating the two mutations, for
SECONDS. It prints one JSON line (requests, errors, latencies). ``measure_writes`` runs it
pinned to the load core, so the hub keeps core 0 to itself as under wrk, and counts the
rows the mix wrote (deals, stage moves, events) in the database.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx

from bench.load import LOAD_CORE

CREATE = "mutation Create($input: DealInput!) { createDeal(input: $input) { id stage { id } } }"
MOVE = "mutation Move($id: ID!, $stage: ID!) { moveDeal(id: $id, stageId: $stage) { id } }"
COUNTED_TABLES = ("crm_deals", "crm_deal_stage_moves", "events")


@dataclass
class WriteResult:
    connections: int
    seconds: float
    requests: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies_ms) or [0.0]
        return {
            "connections": self.connections,
            "requests": self.requests,
            "errors": self.errors,
            "requests_per_second": self.requests / self.seconds,
            "p50_ms": statistics.median(ordered),
            "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        }


async def _post(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any], result: WriteResult
) -> dict[str, Any] | None:
    started = time.perf_counter()
    answer = await http.post("/graphql", json={"query": query, "variables": variables})
    result.latencies_ms.append((time.perf_counter() - started) * 1000)
    result.requests += 1
    body: dict[str, Any] = answer.json()
    if answer.status_code != 200 or body.get("errors"):
        result.errors += 1
        return None
    data: dict[str, Any] = body["data"]
    return data


async def _worker(
    http: httpx.AsyncClient, worker: int, stage_id: str, deadline: float, result: WriteResult
) -> None:
    serial = 0
    while time.monotonic() < deadline:
        serial += 1
        title = f"Bench write {worker:03d}-{serial:06d}"
        created = await _post(
            http, CREATE, {"input": {"title": title, "amount": "1000.00"}}, result
        )
        if created is not None:
            deal_id = created["createDeal"]["id"]
            await _post(http, MOVE, {"id": deal_id, "stage": stage_id}, result)


async def run_client(
    url: str, token: str, seconds: float, connections: int, stage_id: str
) -> WriteResult:
    result = WriteResult(connections, seconds)
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        base_url=url, headers=headers, limits=limits, timeout=30.0
    ) as http:
        deadline = time.monotonic() + seconds
        started = time.monotonic()
        await asyncio.gather(
            *(_worker(http, n, stage_id, deadline, result) for n in range(connections))
        )
        result.seconds = time.monotonic() - started
    return result


async def _counts(dsn: str) -> dict[str, int]:
    connection = await asyncpg.connect(dsn)
    try:
        return {
            table: int(await connection.fetchval(f"SELECT count(*) FROM {table}"))
            for table in COUNTED_TABLES
        }
    finally:
        await connection.close()


async def measure_writes(
    dsn: str, url: str, token: str, seconds: float, connections: int, stage_id: str
) -> dict[str, Any]:
    """The mix against the real hub; the rows it wrote, counted before and after."""
    before = await _counts(dsn)
    command = ["taskset", "-c", str(LOAD_CORE), sys.executable, "-m", "bench.writes",
               url, token, str(seconds), str(connections), stage_id]  # fmt: skip
    process = await asyncio.create_subprocess_exec(*command, stdout=subprocess.PIPE)
    stdout, _ = await process.communicate()
    summary: dict[str, Any] = json.loads(stdout.decode().strip().splitlines()[-1])
    after = await _counts(dsn)
    summary["rows_written"] = {table: after[table] - before[table] for table in COUNTED_TABLES}
    return summary


def main(argv: list[str]) -> int:
    url, token, seconds, connections, stage_id = argv
    result = asyncio.run(run_client(url, token, float(seconds), int(connections), stage_id))
    print(json.dumps(result.summary()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
