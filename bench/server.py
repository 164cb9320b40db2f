"""Real uvicorn processes on loopback, pinned to one core, and the CPU time they spend.

Both the hub (``crmhub.asgi:app``) and the floor run as ``taskset -c <core> python -m uvicorn
…`` with one worker, uvicorn's defaults (uvloop and httptools when installed) and no access
log, so the comparison is between the applications and nothing else.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from crmhub.websocket import FRAMED_WEBSOCKETS

ROOT = Path(__file__).resolve().parent.parent
SERVER_CORE = 0
READY_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
CLOCK_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        """utime + stime of the server process so far (fields 14 and 15 of /proc/PID/stat)."""
        stat = Path(f"/proc/{self.pid}/stat").read_text()
        # The command name (field 2) may hold spaces: count fields after its closing paren.
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS_PER_SECOND


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(
    name: str, app: str, env: dict[str, str], log_dir: Path, *, factory: bool = False
) -> Server:
    port = free_port()
    log_path = log_dir / f"{name}.log"
    command = [
        "taskset", "-c", str(SERVER_CORE),
        sys.executable, "-m", "uvicorn", app,
        "--host", "127.0.0.1", "--port", str(port),
        "--workers", "1", "--no-access-log", "--log-level", "warning",
        "--loop", "uvloop", "--http", "httptools",
        # As `crmhub serve` runs it: see the reason there.
        "--ws-per-message-deflate", "false",
        "--ws", FRAMED_WEBSOCKETS,
    ]  # fmt: skip
    if factory:
        command.append("--factory")
    # Warnings only, as uvicorn is told: crmhub's own access log (INFO) stays off too.
    environment = {**os.environ, "CRMHUB_LOG_LEVEL": "WARNING", **env}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
    server = Server(name, process, port, log_path)
    try:
        _wait_until_ready(server)
    except BaseException:
        stop_server(server)
        raise
    return server


def _wait_until_ready(server: Server) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"{server.name} exited with {server.process.returncode}; see {server.log_path}:\n"
                + server.log_path.read_text()[-2000:]
            )
        try:
            if httpx.get(f"{server.base_url}/readyz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{server.name} not ready after {READY_TIMEOUT_SECONDS}s")


def stop_server(server: Server) -> None:
    """SIGTERM to the server's own pid (uvicorn shuts down gracefully), SIGKILL if it hangs."""
    if server.process.poll() is not None:
        return
    server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
