"""Where the hub's time goes: py-spy samples the hub while wrk loads it with one query.

py-spy is installed into the running interpreter's environment on first use (the project
installs what it needs itself). The raw collapsed stacks are kept beside the results; the
printed summary lists the frames with the largest inclusive and self shares of samples.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bench.gates import request_body
from bench.load import run_wrk
from bench.queries import BenchQuery
from bench.report import RESULTS_DIR
from bench.server import Server

PROFILE_CONNECTIONS = 32
# Where a request's time goes: the samples whose stack has a frame starting with one of the
# prefixes. SQLAlchemy's sync half runs in greenlets, whose stacks py-spy shows without the
# request's outer frames: hence the second prefix of the SQL bucket.
BUCKETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("GraphQL parse", ("ParserCache.on_parse",)),
    ("GraphQL validation", ("ValidationCache.on_validate",)),
    ("token check (OperationScope)", ("OperationScope.on_operation",)),
    ("GraphQL execution (resolvers and their SQL included)", ("Schema._execute_operation",)),
    ("SQL: SQLAlchemy + asyncpg, all", ("greenlet_spawn (sqlalchemy", "Session.execute (sql")),
    ("SQL: pool pre-ping", ("AsyncAdapt_asyncpg_connection._async_ping",)),
    ("SQL: BEGIN", ("AsyncAdapt_asyncpg_connection._start_transaction",)),
    ("SQL: ROLLBACK at session close", ("AsyncAdapt_asyncpg_connection._rollback_and_discard",)),
    ("SQL: ORM rows to objects", ("ORMCompileState.orm_setup_cursor_result",)),
    (
        "response JSON (stdlib json, or orjson since #7)",
        ("JSONEncoder.encode", "CrmGraphQL.encode_json"),
    ),
    ("Strawberry/graphql-core completing values", ("ExecutionContext.complete_value",)),
    ("DataLoader batches (resolvers/loading.py)", ("Loader._dispatch", "Loader.load")),
)
SAMPLES_PER_SECOND = 200
TOP = 20


def ensure_py_spy() -> str:
    beside_python = Path(sys.executable).parent / "py-spy"
    if not beside_python.exists() and shutil.which("py-spy") is None:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "py-spy"], check=True)
    return str(beside_python) if beside_python.exists() else str(shutil.which("py-spy"))


def profile_hub(
    wrk: str, query: BenchQuery, tokens: dict[str, str], hub: Server, seconds: float
) -> Path:
    py_spy = ensure_py_spy()
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    output = RESULTS_DIR / f"{stamp}-profile-{query.name}.txt"
    load = threading.Thread(
        target=run_wrk,
        args=(wrk, f"{hub.base_url}/graphql", request_body(query), tokens[query.login_email]),
        kwargs={"connections": PROFILE_CONNECTIONS, "seconds": seconds + 2},
    )
    load.start()
    try:
        subprocess.run(
            [py_spy, "record", "--pid", str(hub.pid), "--duration", str(round(seconds)),
             "--rate", str(SAMPLES_PER_SECOND), "--format", "raw", "--nonblocking",
             "--output", str(output)],
            check=True, capture_output=True, timeout=seconds + 60,
        )  # fmt: skip
    finally:
        load.join()
    print(summarise(output))
    return output


def summarise(collapsed: Path) -> str:
    """Top frames by inclusive and by self share of all samples."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    buckets: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
        for label, prefixes in BUCKETS:
            if any(frame.startswith(prefixes) for frame in frames):
                buckets[label] += count
    lines = [f"profile: {total} samples, {collapsed}", "where the time goes:"]
    lines += [f"  {100 * buckets[label] / total:5.1f}%  {label}" for label, _ in BUCKETS]
    lines.append("inclusive:")
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in inclusive.most_common(TOP)]
    lines.append("self:")
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in own.most_common(TOP)]
    return "\n".join(lines)
