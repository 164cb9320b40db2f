"""An import of N contacts through the whole hub in-process: ``startImport`` with a CSV file
(a multipart request), then the import worker run to the end. Prints the wall time of the
worker, the rows per second, and memory: the growth of the process's peak RSS during the
import, and the peak of Python allocations (tracemalloc) during a second import of the
same shape (of at most ``--traced-rows`` rows: tracemalloc slows allocations several times).
Memory stays flat with N: the file is read as a stream, rows are written in batches.

    .venv/bin/python -m bench.imports                       # 20,000 contacts, SQLite
    .venv/bin/python -m bench.imports --quick               # 1,000 contacts
    .venv/bin/python -m bench.imports --rows 100000
    .venv/bin/python -m bench.imports --database-url postgresql+asyncpg://postgres@127.0.0.1/x

The database (a scratch SQLite file unless ``--database-url`` names an empty one) is
migrated and given an administrator. Not a CI gate: nothing here fails because it is slow.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import httpx
from starlette.applications import Starlette

from bench.gates import add_bench_admin, in_process_hub, login
from crmhub.database import create_engine
from crmhub.migrate import upgrade
from crmhub.settings import Settings

ADMIN, PASSWORD = "bench-admin@example.com", "bench-import-password"
START = """mutation($file: Upload!, $duplicates: ImportDuplicates!) {
  startImport(entity: CONTACT, file: $file, duplicates: $duplicates) { id }
}"""
JOB = """query($id: ID!) { importJob(id: $id) { status total created skipped failed error } }"""


async def _prepare(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
        async with engine.begin() as connection:
            await add_bench_admin(connection, ADMIN, PASSWORD)
    finally:
        await engine.dispose()


def contacts_file(rows: int, start: int = 0) -> bytes:
    """A CSV of ``rows`` contacts as a spreadsheet would give them: names, a position, a
    phone and an e-mail each (all distinct)."""
    lines = ["\ufefffirstName,lastName,position,phones,emails"]
    for index in range(start, start + rows):
        lines.append(
            f"Name{index},Surname{index},Manager,+7 9{index:09d},person{index}@example.com"
        )
    return ("\r\n".join(lines) + "\r\n").encode()


async def _import(
    app: Starlette, http: httpx.AsyncClient, token: str, content: bytes, duplicates: str
) -> tuple[float, dict[str, object]]:
    operations = {"query": START, "variables": {"file": None, "duplicates": duplicates}}
    answer = await http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("contacts.csv", content, "text/csv")},
        headers={"Authorization": f"Bearer {token}", "GraphQL-Preflight": "1"},
    )
    body = answer.json()
    if body.get("errors"):
        raise RuntimeError(f"startImport failed: {body['errors']}")
    job_id = body["data"]["startImport"]["id"]
    started = time.perf_counter()
    await app.state.imports.run_once()
    seconds = time.perf_counter() - started
    answer = await http.post(
        "/graphql",
        json={"query": JOB, "variables": {"id": job_id}},
        headers={"Authorization": f"Bearer {token}"},
    )
    job: dict[str, object] = answer.json()["data"]["importJob"]
    return seconds, job


def _peak_rss() -> int:
    # Linux reports kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.imports", description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000, help="contacts to import")
    parser.add_argument("--quick", action="store_true", help="1,000 contacts")
    parser.add_argument("--traced-rows", type=int, default=5_000, help="rows under tracemalloc")
    parser.add_argument("--batch", type=int, default=100, help="rows per transaction")
    parser.add_argument("--duplicates", default="SKIP", choices=["SKIP", "UPDATE", "CREATE"])
    parser.add_argument("--database-url", default="", help="an empty database (default: SQLite)")
    return parser.parse_args()


async def main() -> int:
    options = _parse()
    rows = 1_000 if options.quick else options.rows
    traced_rows = min(rows, options.traced_rows)
    with tempfile.TemporaryDirectory() as folder:
        url = options.database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await _prepare(url)
        settings = Settings(
            database_url=url,
            broadcast_url="memory://",
            secret="bench-import-" + "x" * 32,
            import_worker_enabled=False,
            import_batch_rows=options.batch,
            max_upload_bytes=200 * 1024 * 1024,
            import_max_bytes=200 * 1024 * 1024,
            webhook_worker_enabled=False,
            automation_enabled=False,
            task_overdue_check_seconds=0,
            _env_file=None,  # type: ignore[call-arg]
        )
        content = contacts_file(rows)
        async with in_process_hub(settings) as (app, http):
            token = await login(http, ADMIN, PASSWORD)
            rss_before = _peak_rss()
            seconds, job = await _import(app, http, token, content, options.duplicates)
            rss = _peak_rss() - rss_before
            traced = contacts_file(traced_rows, start=rows)
            tracemalloc.start()
            await _import(app, http, token, traced, options.duplicates)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
    if job["status"] != "DONE" or job["created"] != rows:
        print(f"FAILED: {job}")
        return 1
    print(
        f"import CSV of {rows} contacts ({len(content) / 1e6:.1f} MB, duplicates "
        f"{options.duplicates}, batches of {options.batch}): {seconds:.1f} s "
        f"({rows / seconds:,.0f} rows/s), peak RSS growth {rss / 1e6:.1f} MB "
        f"(peak RSS {_peak_rss() / 1e6:.0f} MB); "
        f"tracemalloc peak {peak / 1e6:.1f} MB over an import of {traced_rows} rows"
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
