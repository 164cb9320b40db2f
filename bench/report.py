"""One printed table per run, and the whole run as ``bench/results/<UTC timestamp>.json``."""

from __future__ import annotations

import dataclasses
import math
import os
import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from bench.load import LoadResult, Spread

RESULTS_DIR = Path(__file__).resolve().parent / "results"
# Before the timed runs the bench itself keeps about one core busy (it has just loaded the
# data and run the gates): a load above one per core then means other work is running.
BUSY_LOAD_PER_CPU = 1.0


@dataclass
class TargetRuns:
    """The timed repetitions of one query at one concurrency on the hub or the floor."""

    runs: list[LoadResult] = field(default_factory=list)
    cpu_ms_per_request: list[float] = field(default_factory=list)

    @property
    def requests_per_second(self) -> Spread:
        return Spread.of([run.requests_per_second for run in self.runs])

    @property
    def p50_ms(self) -> Spread:
        return Spread.of([run.p50_ms for run in self.runs])

    @property
    def p99_ms(self) -> Spread:
        return Spread.of([run.p99_ms for run in self.runs])

    @property
    def cpu_ms(self) -> Spread:
        return Spread.of(self.cpu_ms_per_request)

    @property
    def errors(self) -> int:
        return sum(run.errors for run in self.runs)


@dataclass
class Measurement:
    query: str
    connections: int
    statements_per_request: int
    hub: TargetRuns = field(default_factory=TargetRuns)
    floor: TargetRuns = field(default_factory=TargetRuns)

    @property
    def cpu_ratio(self) -> float:
        """Hub CPU per request over the floor's: the gap least disturbed by a busy machine."""
        return _ratio(self.hub.cpu_ms.median, self.floor.cpu_ms.median)

    @property
    def slowdown(self) -> float:
        """How many times the floor's throughput exceeds the hub's (DESIGN §7 target: 1.5)."""
        return _ratio(self.floor.requests_per_second.median, self.hub.requests_per_second.median)


def _ratio(numerator: float, denominator: float) -> float:
    # A smoke run of a second on a loaded machine may complete no request of one side.
    return numerator / denominator if denominator else math.inf


@dataclass
class ScaleResult:
    deals: int
    dataset: dict[str, Any]
    gates: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    measurements: list[Measurement] = field(default_factory=list)
    # 1-minute load averages when the timed runs started and ended: other work on the
    # machine shows here, and throughput figures are only as good as these are low.
    load_average: tuple[float, float] = (0.0, 0.0)
    # The createDeal + moveDeal mix (bench/writes.py) and the fan-out runs (bench/fanout.py).
    writes: dict[str, Any] | None = None
    fanout: list[dict[str, Any]] = field(default_factory=list)
    # The funnel and per-responsible sums beside their floors (bench/reports.py).
    reports: dict[str, Any] = field(default_factory=dict)
    # The deals page filtered and ordered by custom fields beside its floor
    # (bench/custom_fields.py).
    custom: dict[str, Any] = field(default_factory=dict)


def machine() -> dict[str, Any]:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def _spread(spread: Spread, digits: int = 0) -> str:
    return f"{spread.median:,.{digits}f} [{spread.low:,.{digits}f}-{spread.high:,.{digits}f}]"


HEADER = (
    f"{'query':<12} {'conns':>5}  {'hub req/s [range]':>26}  {'floor req/s [range]':>26}"
    f"  {'x floor':>7}  {'hub p50/p99 ms':>15}  {'floor p50/p99':>14}"
    f"  {'CPU-ms/req hub/floor':>20}  {'CPU x':>6}  {'SQL/req':>7}"
)


def table(scale: ScaleResult) -> str:
    lines = [f"--- {scale.deals:,} deals ---", HEADER]
    for row in scale.measurements:
        hub, floor = row.hub, row.floor
        lines.append(
            f"{row.query:<12} {row.connections:>5}  {_spread(hub.requests_per_second):>26}"
            f"  {_spread(floor.requests_per_second):>26}  {row.slowdown:>6.1f}x"
            f"  {hub.p50_ms.median:>7.2f}/{hub.p99_ms.median:<7.2f}"
            f"  {floor.p50_ms.median:>6.2f}/{floor.p99_ms.median:<7.2f}"
            f"  {hub.cpu_ms.median:>9.2f}/{floor.cpu_ms.median:<10.2f}  {row.cpu_ratio:>5.1f}x"
            f"  {row.statements_per_request:>7}"
        )
    before, after = scale.load_average
    lines.append(
        f"load average (1 min) at start / end of the timed runs: {before:.2f} / {after:.2f}"
    )
    if before > BUSY_LOAD_PER_CPU * (os.cpu_count() or 1):
        lines.append("WARNING: the machine was busy with other work; throughput is unreliable")
    lines.extend(f"skipped {item['query']}: {item['reason']}" for item in scale.skipped)
    lines.extend(_write_lines(scale.writes) + [_fanout_line(run) for run in scale.fanout])
    return "\n".join(lines)


def _write_lines(writes: dict[str, Any] | None) -> list[str]:
    if writes is None:
        return []
    rows = writes["rows_written"]
    return [
        f"writes createDeal+moveDeal c={writes['connections']}: "
        f"{writes['requests_per_second']:,.0f} req/s, p50 {writes['p50_ms']:.1f} ms,"
        f" p99 {writes['p99_ms']:.1f} ms, {writes['requests']:,} requests,"
        f" {writes['errors']} errors; rows written: {rows['crm_deals']:,} deals,"
        f" {rows['crm_deal_stage_moves']:,} stage moves, {rows['events']:,} events"
    ]


def _fanout_line(run: dict[str, Any]) -> str:
    # Results written before events were spaced have no per-event figures.
    events = (
        f" one event at a time: occurredAt->last socket p50 {run['event_last_p50_ms']:.0f} ms,"
        f" max {run['event_last_max_ms']:.0f} ms;"
        if "event_last_p50_ms" in run
        else ""
    )
    incomplete = run.get("incomplete_events", 0)
    # The floor: the same server stack writing one frame to every socket, nothing else.
    floor = " floor (writes only)" if run.get("server") == "floor" else ""
    return (
        f"fan-out{floor} {run['subscribers']:,} subscribers on {run['processes']} process(es)"
        f"{' over Redis' if run['processes'] > 1 else ''}: {run['kib_per_subscriber']:.0f} KiB"
        f" RSS/subscriber; {run['posts']} posts -> {run['deliveries']:,}/{run['expected']:,}"
        f" deliveries;{events} per delivery occurredAt->receipt p50 {run['latency_p50_ms']:.0f} ms,"
        f" p99 {run['latency_p99_ms']:.0f} ms, max {run.get('latency_max_ms', 0.0):.0f} ms;"
        f" {run['deliveries_per_second']:,.0f} deliveries/s"
        f"{'; ' + str(incomplete) + ' events incomplete' if incomplete else ''}"
        f"{'; ' + str(run['failed_sockets']) + ' sockets failed' if run['failed_sockets'] else ''}"
        + "".join(
            f" ({count} x {reason})" for reason, count in run.get("failure_reasons", {}).items()
        )
    )


def scale_ratios(scales: list[ScaleResult]) -> list[str]:
    """p50 at the largest scale over p50 at the smallest, per query, at one connection."""
    if len(scales) < 2:
        return []
    small, large = scales[0], scales[-1]
    lines = []
    for row in large.measurements:
        base = next(
            (
                item
                for item in small.measurements
                if (item.query, item.connections) == (row.query, row.connections)
            ),
            None,
        )
        if base is not None and row.connections == 1:
            latency = row.hub.p50_ms.median / base.hub.p50_ms.median
            cpu = row.hub.cpu_ms.median / base.hub.cpu_ms.median
            lines.append(
                f"scale {row.query}: hub p50({large.deals:,}) / p50({small.deals:,}) = "
                f"{latency:.2f}; CPU-ms/req ratio {cpu:.2f}"
            )
    return lines


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(type(value).__name__)


def write_results(started: datetime, options: dict[str, Any], scales: list[ScaleResult]) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    summary = [
        {
            "deals": scale.deals,
            "query": row.query,
            "connections": row.connections,
            "hub_rps": row.hub.requests_per_second,
            "floor_rps": row.floor.requests_per_second,
            "floor_over_hub": row.slowdown,
            "hub_cpu_over_floor_cpu": row.cpu_ratio,
            "hub_p50_ms": row.hub.p50_ms,
            "hub_p99_ms": row.hub.p99_ms,
            "floor_p50_ms": row.floor.p50_ms,
            "floor_p99_ms": row.floor.p99_ms,
            "hub_cpu_ms_per_request": row.hub.cpu_ms,
            "floor_cpu_ms_per_request": row.floor.cpu_ms,
            "statements_per_request": row.statements_per_request,
        }
        for scale in scales
        for row in scale.measurements
    ]
    document = {
        "started_at": started.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "machine": machine(),
        "options": options,
        "summary": summary,
        "scales": scales,
    }
    path.write_bytes(orjson.dumps(document, default=_jsonable, option=orjson.OPT_INDENT_2))
    return path
