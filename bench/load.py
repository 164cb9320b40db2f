"""The load generator: wrk with a generated Lua POST script, pinned to its own core.

wrk is C and one thread of it saturates a Python server many times over, so pinned to core 1
while the server has core 0 it measures the server rather than itself. The Lua ``done`` hook
prints the summary as JSON with latencies in microseconds, more precise than the rounded text
of ``--latency``.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

LOAD_CORE = 1
REQUEST_TIMEOUT = "5s"
SUMMARY_MARKER = "BENCH_SUMMARY "

LUA_TEMPLATE = """
wrk.method = "POST"
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = {authorization}

done = function(summary, latency, requests)
  io.write(string.format(
    '{marker}{{"requests": %d, "duration_us": %d, "socket_errors": %d, "status_errors": %d,'
    .. ' "p50_us": %d, "p99_us": %d, "max_us": %d}}\\n',
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout,
    summary.errors.status,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


class LoadGeneratorMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds


@dataclass(frozen=True)
class Spread:
    """The median of repeated measurements and their range."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: list[float]) -> Spread:
        return cls(statistics.median(values), min(values), max(values))


def ensure_wrk() -> str:
    """wrk's path; installed from Debian's packages when missing and we are root."""
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() != 0:
        raise LoadGeneratorMissing("wrk is not installed: run `sudo apt-get install -y wrk`")
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=False, capture_output=True)
    path = shutil.which("wrk")
    if path is None:
        subprocess.run(["apt-get", "update"], check=False, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, capture_output=True)
        path = shutil.which("wrk")
    if path is None:
        raise LoadGeneratorMissing("`apt-get install -y wrk` did not provide wrk")
    return path


def lua_script(body: bytes, token: str) -> str:
    # Lua long strings need no escaping, as long as the text holds no "]==]".
    return LUA_TEMPLATE.format(
        body=f"[==[{body.decode()}]==]",
        authorization=f'"Bearer {token}"',
        marker=SUMMARY_MARKER,
    )


def run_wrk(
    wrk: str, url: str, body: bytes, token: str, *, connections: int, seconds: float
) -> LoadResult:
    with tempfile.TemporaryDirectory(prefix="crmhub-bench-") as folder:
        script = Path(folder) / "post.lua"
        script.write_text(lua_script(body, token))
        command = [
            "taskset", "-c", str(LOAD_CORE), wrk,
            "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s",
            "--timeout", REQUEST_TIMEOUT, "--latency", "-s", str(script), url,
        ]  # fmt: skip
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 60, check=False
        )
    if completed.returncode != 0:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr.strip()}")
    return _parse_summary(completed.stdout)


def _parse_summary(output: str) -> LoadResult:
    for line in output.splitlines():
        if line.startswith(SUMMARY_MARKER):
            summary = json.loads(line[len(SUMMARY_MARKER) :])
            return LoadResult(
                requests=summary["requests"],
                seconds=summary["duration_us"] / 1e6,
                p50_ms=summary["p50_us"] / 1000,
                p99_ms=summary["p99_us"] / 1000,
                errors=summary["socket_errors"] + summary["status_errors"],
            )
    raise RuntimeError(f"no summary in wrk's output:\n{output}")
