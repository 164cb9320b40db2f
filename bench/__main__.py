"""`make bench` (``python -m bench``): the read benchmarks of DESIGN.md §7 / issue #7.

Per scale: a scratch PostgreSQL database, a deterministic dataset, the hub and the floor as
real uvicorn processes on core 0, correctness gates, then wrk on core 1 — warm-up, fixed
duration, each concurrency, repetitions interleaved hub/floor. Exits 1 when a gate fails or a
service is missing, never because something is slow.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import services
from bench.custom_fields import custom_page
from bench.dataset import ADMIN_EMAIL, SALES_MANAGER_EMAIL, Scale, load_dataset
from bench.fanout import measure_fanout
from bench.gates import (
    GateResult,
    in_process_hub,
    login,
    request_body,
    root_fields,
    run_gates,
    runnable,
)
from bench.load import LoadGeneratorMissing, ensure_wrk, run_wrk
from bench.profile import profile_hub
from bench.queries import BenchQuery, global_id
from bench.report import Measurement, ScaleResult, scale_ratios, table, write_results
from bench.reports import measure_reports, print_reports
from bench.server import Server, start_server, stop_server
from bench.writes import measure_writes
from crmhub.settings import Settings

# moveDeal's target: the default pipeline's third seeded stage ("Proposal").
MOVE_TO_STAGE_ID = 3


@dataclass(frozen=True)
class Options:
    scales: list[int]
    duration: float
    warmup: float
    connections: list[int]
    repetitions: int
    generate_only: bool
    profile: str | None
    profile_seconds: float
    queries: list[str]
    write_seconds: float
    write_connections: int
    subscribers: list[int]
    posts: int
    report_scales: list[int]
    report_requests: int
    custom_scales: list[int]


def parse_args(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="CI smoke: small, short, gates")
    parser.add_argument("--scales", help="deals per scale, comma-separated (10000,1000000)")
    parser.add_argument("--duration", type=float, help="seconds per timed run (5)")
    parser.add_argument("--warmup", type=float, help="seconds of warm-up per target (2; 0: none)")
    parser.add_argument("--connections", help="concurrency levels, comma-separated (1,32)")
    parser.add_argument("--repetitions", type=int, help="timed runs per measurement (3)")
    parser.add_argument(
        "--generate-only", action="store_true", help="time the dataset generation only"
    )
    parser.add_argument("--profile", metavar="QUERY", help="py-spy the hub under load on QUERY")
    parser.add_argument("--profile-seconds", type=float, default=20.0)
    parser.add_argument("--queries", help="only these queries, comma-separated (all)")
    parser.add_argument(
        "--report-scales",
        help="scales at which the reports are timed too (bench/reports.py), comma-separated"
        " (10000; the 1M figures: 10000,1000000)",
    )
    parser.add_argument("--report-requests", type=int, help="timed requests per report (20)")
    parser.add_argument(
        "--custom-scales",
        help="scales at which the custom-field deals page is timed too (bench/custom_fields.py),"
        " comma-separated (10000; the 1M figures: 10000,1000000)",
    )
    parser.add_argument("--write-seconds", type=float, help="createDeal+moveDeal mix (10 s)")
    parser.add_argument("--write-connections", type=int, help="concurrent writers (8)")
    parser.add_argument(
        "--subscribers", help="idle feed subscribers per fan-out run, comma-separated (1000)"
    )
    parser.add_argument("--posts", type=int, help="posts per fan-out run, one at a time (10)")
    args = parser.parse_args(argv)
    quick = args.quick
    return Options(
        scales=_ints(args.scales) or ([2000] if quick else [10_000, 1_000_000]),
        # QUICK checks the gates and that every stage runs, in under a minute; not speed.
        duration=args.duration or (1.0 if quick else 5.0),
        warmup=args.warmup if args.warmup is not None else (0.0 if quick else 2.0),
        connections=_ints(args.connections) or ([4] if quick else [1, 32]),
        repetitions=args.repetitions or (1 if quick else 3),
        generate_only=args.generate_only,
        profile=args.profile,
        profile_seconds=args.profile_seconds,
        queries=args.queries.split(",") if args.queries else [],
        write_seconds=args.write_seconds or (2.0 if quick else 10.0),
        write_connections=args.write_connections or (4 if quick else 8),
        subscribers=_ints(args.subscribers) or ([50] if quick else [1000]),
        posts=args.posts or (3 if quick else 10),
        report_scales=_ints(args.report_scales) or ([2000] if quick else [10_000]),
        report_requests=args.report_requests or (3 if quick else 20),
        custom_scales=_ints(args.custom_scales) or ([2000] if quick else [10_000]),
    )


def _ints(text: str | None) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",")] if text else []


def main(argv: list[str]) -> int:
    options = parse_args(argv)
    started = datetime.now(UTC)
    try:
        wrk = "" if options.generate_only else ensure_wrk()
        results = asyncio.run(run(options, wrk))
    except (services.ServiceUnavailable, LoadGeneratorMissing) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    for scale in results:
        print(table(scale) if scale.measurements or scale.skipped else "")
    for line in scale_ratios(results):
        print(line)
    path = write_results(started, asdict(options), results)
    print(f"results: {path}")
    failed = [gate for scale in results for gate in scale.gates if gate["failures"]]
    for gate in failed:
        print(f"GATE FAILED {gate['query']}: {'; '.join(gate['failures'])}", file=sys.stderr)
    load_errors = [
        f"{row.query} c={row.connections}: {row.hub.errors} hub, {row.floor.errors} floor"
        for scale in results
        for row in scale.measurements
        if row.hub.errors or row.floor.errors
    ]
    for line in load_errors:
        print(f"ERRORS UNDER LOAD {line}", file=sys.stderr)
    differ = [
        failure
        for scale in results
        for failure in (*scale.reports.get("failures", []), *scale.custom.get("failures", []))
    ]
    for line in differ:
        print(f"REPORT FIGURES DIFFER {line}", file=sys.stderr)
    lost = fanout_losses(results)
    for line in lost:
        print(f"FAN-OUT INCOMPLETE {line}", file=sys.stderr)
    return 1 if failed or load_errors or lost or differ else 0


def fanout_losses(results: list[ScaleResult]) -> list[str]:
    """Fan-out runs where a socket failed to subscribe or a delivery never arrived."""
    return [
        f"{run.get('server', 'hub')} {run['subscribers']} subscribers:"
        f" {run['failed_sockets']} sockets failed, {run['deliveries']}/{run['expected']} deliveries"
        f"{_reasons(run)}"
        for scale in results
        for run in scale.fanout
        if run["failed_sockets"] or run["deliveries"] < run["expected"]
    ]


def _reasons(run: dict[str, Any]) -> str:
    reasons = run.get("failure_reasons") or {}
    return "".join(f"; {count} x {reason}" for reason, count in reasons.items())


async def run(options: Options, wrk: str) -> list[ScaleResult]:
    server_url, redis_url = services.postgres_server_url(), services.redis_url()
    await services.check_postgres(server_url)
    await services.check_redis(redis_url)
    return [
        await run_scale(options, Scale(deals), wrk, server_url, redis_url)
        for deals in options.scales
    ]


async def run_scale(
    options: Options, scale: Scale, wrk: str, server_url: str, redis_url: str
) -> ScaleResult:
    async with services.scratch_database(server_url) as database_url:
        loaded = await load_dataset(services.asyncpg_dsn(database_url), scale)
        print(
            f"dataset {scale.deals:,} deals: {loaded.total_rows:,} rows in {loaded.seconds:.1f}s"
            f" ({loaded.rows_per_second:,.0f} rows/s)",
            flush=True,
        )
        result = ScaleResult(
            scale.deals,
            {
                "rows": loaded.rows,
                "seconds": loaded.seconds,
                "rows_per_second": loaded.rows_per_second,
            },
        )
        if not options.generate_only:
            await _serve_and_measure(options, scale, wrk, database_url, redis_url, result)
            if scale.deals in options.report_scales:
                # Last: the stage history it adds is not part of the read benchmarks' data.
                requests = options.report_requests
                result.reports = await measure_reports(database_url, requests, min(requests, 5))
                print_reports(scale.deals, result.reports)
            if scale.deals in options.custom_scales:
                # Its fields and values are not part of the other benchmarks' data.
                result.custom = await custom_page(
                    database_url, scale.deals, options.report_requests
                )
        return result


async def _serve_and_measure(
    options: Options,
    scale: Scale,
    wrk: str,
    database_url: str,
    redis_url: str,
    result: ScaleResult,
) -> None:
    secret = secrets.token_urlsafe(32)
    environment = {
        "CRMHUB_DATABASE_URL": database_url,
        "CRMHUB_BROADCAST_URL": redis_url,
        "CRMHUB_SECRET": secret,
        "BENCH_FLOOR_DSN": services.asyncpg_dsn(database_url),
        # One connection per concurrent request at the highest concurrency measured.
        "CRMHUB_POOL_SIZE": str(max(options.connections)),
        # Every fan-out subscriber is the same Sales manager: lift the per-user socket and
        # subscription caps (crmhub/ws_limits.py) past the largest count measured.
        "CRMHUB_MAX_WEBSOCKETS_PER_USER": str(max(options.subscribers) + 1),
        "CRMHUB_MAX_SUBSCRIPTIONS_PER_USER": str(max(options.subscribers) + 1),
    }
    settings = Settings(
        database_url=database_url,
        broadcast_url=redis_url,
        secret=secret,
        _env_file=None,  # type: ignore[call-arg]
    )
    # Kept after the run: the servers' logs are where a failed gate's traceback is.
    log_dir = Path(tempfile.mkdtemp(prefix="crmhub-bench-logs-"))
    print(f"  server logs: {log_dir}", flush=True)
    hub = start_server("hub", "crmhub.asgi:app", environment, log_dir)
    try:
        floor = start_server(
            "floor", "bench.floor:app_from_environment", environment, log_dir, factory=True
        )
        try:
            passed, tokens = await _gate(settings, hub, floor, scale, result, options.queries)
            load_before = os.getloadavg()[0]
            await asyncio.to_thread(_measure_all, wrk, passed, tokens, hub, floor, result, options)
            result.load_average = (load_before, os.getloadavg()[0])
            if scale.deals == options.scales[0]:
                # Writes and fan-out do not depend on the number of deals: the first scale.
                await _writes_and_fanout(options, environment, log_dir, hub, tokens, result)
            profiled = [query for query in passed if query.name == options.profile]
            if profiled:
                await asyncio.to_thread(
                    profile_hub, wrk, profiled[0], tokens, hub, options.profile_seconds
                )
        finally:
            stop_server(floor)
    finally:
        stop_server(hub)


async def _writes_and_fanout(
    options: Options,
    environment: dict[str, str],
    log_dir: Path,
    hub: Server,
    tokens: dict[str, str],
    result: ScaleResult,
) -> None:
    dsn = environment["BENCH_FLOOR_DSN"]
    result.writes = await measure_writes(
        dsn, hub.base_url, tokens[ADMIN_EMAIL], options.write_seconds,
        options.write_connections, global_id("DealStage", MOVE_TO_STAGE_ID),
    )  # fmt: skip
    print(f"  writes: {result.writes['requests_per_second']:.0f} req/s", flush=True)
    # Subscribers are the Sales manager; the admin posts to everyone. Each count runs on
    # the hub, then on the fan-out floor (bench/fanout_floor.py): the same server stack
    # writing one frame to every socket, nothing else.
    floor = start_server("fanout-floor", "bench.fanout_floor:app", environment, log_dir)
    try:
        for count in options.subscribers:
            for name, server in (("hub", hub), ("floor", floor)):
                run = await measure_fanout([server.base_url], [server.pid],
                                           tokens[SALES_MANAGER_EMAIL], tokens[ADMIN_EMAIL],
                                           count, options.posts)  # fmt: skip
                run["server"] = name
                result.fanout.append(run)
                print(
                    f"  fan-out {count} ({name}): last socket p50"
                    f" {run['event_last_p50_ms']:.0f} ms, max {run['event_last_max_ms']:.0f} ms;"
                    f" delivery p99 {run['latency_p99_ms']:.0f} ms",
                    flush=True,
                )
    finally:
        stop_server(floor)
    # The same over Redis: a second process, subscribers split, posts sent to the first.
    # A small pool: the hub, its overflow and the floor already hold most of PostgreSQL's
    # 100 connections, and subscribers need one only while they subscribe.
    second_environment = {**environment, "CRMHUB_POOL_SIZE": "8"}
    second = start_server("hub2", "crmhub.asgi:app", second_environment, log_dir)
    try:
        run = await measure_fanout(
            [hub.base_url, second.base_url], [hub.pid, second.pid],
            tokens[SALES_MANAGER_EMAIL], tokens[ADMIN_EMAIL], options.subscribers[0],
            options.posts,
        )  # fmt: skip
        result.fanout.append(run)
    finally:
        stop_server(second)


async def _gate(
    settings: Settings,
    hub: Server,
    floor: Server,
    scale: Scale,
    result: ScaleResult,
    only: list[str],
) -> tuple[list[BenchQuery], dict[str, str]]:
    async with in_process_hub(settings) as (app, http):
        tokens = {email: await login(http, email) for email in (ADMIN_EMAIL, SALES_MANAGER_EMAIL)}
        available = await root_fields(http, tokens[ADMIN_EMAIL])
        ready, waiting = runnable(available)
        ready = [query for query in ready if not only or query.name in only]
        gates: list[GateResult] = await run_gates(
            app, http, hub.base_url, floor.base_url, ready, tokens, scale
        )
    result.gates = [
        {"query": g.query, "failures": g.failures, "statements": g.statements} for g in gates
    ]
    result.skipped = [
        {
            "query": query.name,
            "reason": query.pending
            if not set(query.root_fields) <= available
            else "the hub has its fields now: write its floor in bench/queries.py",
        }
        for query in waiting
    ]
    passed_names = {gate.query for gate in gates if gate.passed}
    return [query for query in ready if query.name in passed_names], tokens


def _measure_all(
    wrk: str,
    queries: list[BenchQuery],
    tokens: dict[str, str],
    hub: Server,
    floor: Server,
    result: ScaleResult,
    options: Options,
) -> None:
    statement_counts = {gate["query"]: len(gate["statements"]) for gate in result.gates}
    for query in queries:
        for connections in options.connections:
            row = Measurement(query.name, connections, statement_counts[query.name])
            _measure(wrk, query, tokens[query.login_email], hub, floor, row, options)
            result.measurements.append(row)


def _measure(
    wrk: str,
    query: BenchQuery,
    token: str,
    hub: Server,
    floor: Server,
    row: Measurement,
    options: Options,
) -> None:
    body = request_body(query)
    targets = ((hub, f"{hub.base_url}/graphql", row.hub),
               (floor, f"{floor.base_url}/q/{query.name}", row.floor))  # fmt: skip
    for _server, url, _runs in targets if options.warmup > 0 else ():
        run_wrk(wrk, url, body, token, connections=row.connections, seconds=options.warmup)
    # Interleaved, so that drift of the machine hits the hub and the floor alike.
    for _ in range(options.repetitions):
        for server, url, runs in targets:
            cpu_before = server.cpu_seconds()
            outcome = run_wrk(
                wrk, url, body, token, connections=row.connections, seconds=options.duration
            )
            cpu_ms = (server.cpu_seconds() - cpu_before) * 1000
            runs.runs.append(outcome)
            runs.cpu_ms_per_request.append(cpu_ms / max(1, outcome.requests))
    print(f"  measured {query.name} c={row.connections}: {row.slowdown:.1f}x floor", flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
