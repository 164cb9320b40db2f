"""An export of N deals through the whole hub in-process: ``exportDeals`` for a link, then a
GET that streams the file, read and counted as it comes. Prints the time, the rows, the
bytes, and the memory a second download took: the peak of Python allocations during it
(tracemalloc) and the growth of the process's peak RSS. Constant memory means the peak does
not grow with N (compare 20,000 with 1,000,000).

    .venv/bin/python -m bench.exports                      # 20,000 deals, CSV, SQLite
    .venv/bin/python -m bench.exports --quick              # 2,000 deals
    .venv/bin/python -m bench.exports --rows 1000000 --format XLSX
    .venv/bin/python -m bench.exports --database-url postgresql+asyncpg://postgres@127.0.0.1/x

The database (a scratch SQLite file unless ``--database-url`` names an empty one) is
migrated and filled with an administrator and N deals by one INSERT ... SELECT. Not a CI
gate: nothing here fails because it is slow.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import String, cast, insert, literal, literal_column, select, text
from starlette.applications import Starlette

from bench.gates import add_bench_admin, in_process_hub, login
from crmhub.database import create_engine
from crmhub.migrate import upgrade
from crmhub.settings import Settings
from models import utcnow
from models.base import UtcDateTime
from models.crm import Deal, DealStage, Pipeline
from models.crm.tallies import REBUILD_SQL, dropped_triggers, triggers

ADMIN, PASSWORD = "bench-admin@example.com", "bench-export-password"
# Ordered by title: every deal here has the same createdAt (the list's default order), and
# SQLite walks such ties from the top on every page, where PostgreSQL seeks to the cursor.
EXPORT = """mutation($format: ExportFormat!) {
  exportDeals(format: $format, orderBy: [{ field: TITLE }],
              columns: ["id", "title", "amount", "currency", "stage", "assignedTo",
                        "createdAt"]) { url }
}"""


async def _fill(url: str, rows: int) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
        async with engine.begin() as connection:
            await add_bench_admin(connection, ADMIN, PASSWORD)
            pipeline = (
                await connection.execute(select(Pipeline.id).where(Pipeline.is_default))
            ).scalar_one()
            stage = (
                await connection.execute(
                    select(DealStage.id).where(DealStage.pipeline_id == pipeline).limit(1)
                )
            ).scalar_one()
            counter = select(literal_column("1").label("i")).cte("counter", recursive=True)
            counter = counter.union_all(select(counter.c.i + 1).where(counter.c.i < rows))
            values = select(
                literal("Deal ") + cast(counter.c.i, String),
                literal(pipeline),
                literal(stage),
                counter.c.i,
                literal("USD"),
                literal(True),
                literal(utcnow(), UtcDateTime()),
                literal(utcnow(), UtcDateTime()),
            )
            columns = [
                "title",
                "pipeline_id",
                "stage_id",
                "amount",
                "currency",
                "opened",
                "created_at",
                "updated_at",
            ]
            # The deal tallies' triggers would update one tally row per deal: off for the
            # load, then every tally rebuilt once (as bench/dataset.py does).
            dialect = connection.dialect.name
            for statement in dropped_triggers(dialect):
                await connection.execute(text(statement))
            await connection.execute(insert(Deal).from_select(columns, values))
            for statement in REBUILD_SQL.split(";"):
                await connection.execute(text(statement))
            for statement in triggers(dialect):
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def _export(settings: Settings, format: str) -> tuple[float, int, int, int, int]:
    """(seconds, lines, bytes, tracemalloc peak, RSS peak growth in bytes) of the download."""
    async with in_process_hub(settings) as (app, http):
        token = await login(http, ADMIN, PASSWORD)
        answer = await http.post(
            "/graphql",
            json={"query": EXPORT, "variables": {"format": format}},
            headers={"Authorization": f"Bearer {token}"},
        )
        path = urlsplit(answer.json()["data"]["exportDeals"]["url"]).path
        # Timed without tracemalloc (which slows allocations several times), then again
        # under it for the memory.
        started = time.perf_counter()
        lines, size = await _download(app, path)
        seconds = time.perf_counter() - started
        rss_before = _peak_rss()
        tracemalloc.start()
        await _download(app, path)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return seconds, lines, size, peak, _peak_rss() - rss_before


async def _download(app: Starlette, path: str) -> tuple[int, int]:
    """GET ``path`` straight through the ASGI app, counting the body's bytes and lines as
    they are sent and keeping none (httpx's ASGI transport would hold the whole body)."""
    counted = {"lines": 0, "size": 0, "status": 0}
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"bench")],
        "client": ("127.0.0.1", 50000),
        "server": ("bench", 80),
    }

    requested, done = asyncio.Event(), asyncio.Event()

    async def receive() -> dict[str, Any]:
        # The request once; then nothing until the response is over, as a client that
        # stays connected (Starlette listens for the disconnect while it streams).
        if not requested.is_set():
            requested.set()
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            counted["status"] = message["status"]
        elif message["type"] == "http.response.body":
            block = message.get("body", b"")
            counted["size"] += len(block)
            counted["lines"] += block.count(b"\n")
            if not message.get("more_body", False):
                done.set()

    await app(scope, receive, send)
    if counted["status"] != 200:
        raise RuntimeError(f"download answered {counted['status']}")
    return counted["lines"], counted["size"]


def _peak_rss() -> int:
    # Linux reports kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.exports", description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000, help="deals to export")
    parser.add_argument("--quick", action="store_true", help="2,000 deals")
    parser.add_argument("--format", default="CSV", choices=["CSV", "XLSX"])
    parser.add_argument("--chunk", type=int, default=500, help="rows per statement")
    parser.add_argument("--database-url", default="", help="an empty database (default: SQLite)")
    return parser.parse_args()


async def main() -> int:
    options = _parse()
    rows = 2_000 if options.quick else options.rows
    with tempfile.TemporaryDirectory() as folder:
        url = options.database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        filled = time.perf_counter()
        await _fill(url, rows)
        print(f"filled {rows} deals in {time.perf_counter() - filled:.1f} s", flush=True)
        settings = Settings(
            database_url=url,
            broadcast_url="memory://",
            secret="bench-export-" + "x" * 32,
            export_chunk_rows=options.chunk,
            webhook_worker_enabled=False,
            automation_enabled=False,
            task_overdue_check_seconds=0,
            _env_file=None,  # type: ignore[call-arg]
        )
        seconds, lines, size, peak, rss = await _export(settings, options.format)
    if options.format == "CSV" and lines != rows + 1:
        print(f"FAILED: {lines} lines for {rows} deals and a header")
        return 1
    print(
        f"export {options.format} of {rows} deals: {seconds:.2f} s "
        f"({rows / seconds:,.0f} rows/s), {size / 1e6:.1f} MB, "
        f"tracemalloc peak {peak / 1e6:.1f} MB, peak RSS growth {rss / 1e6:.1f} MB "
        f"(chunks of {options.chunk})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
