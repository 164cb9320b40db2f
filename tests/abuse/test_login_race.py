"""A burst of password guesses against a real uvicorn server on loopback.

Forty connections send wrong passwords for one account at once. The count of password checks
is observed directly: the server's argon2 verification is wrapped by a counter (the server
runs in this process, behind real sockets). Every answer must be UNAUTHENTICATED (checked) or
RATE_LIMITED (not checked), and the two must agree.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

import resolvers.sessions
from auth.passwords import verify_password
from tests.factories import PASSWORD, Seed
from tests.live_server import LiveServer, serve

LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }"
EMAIL = "head@example.com"
LIMIT = 5  # failures per e-mail and client address in a window (the default setting)
BURST = 40


class CountedChecks:
    """verify_password, counting its calls (they run on worker threads)."""

    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, password_hash: str | None, password: str) -> bool:
        with self._lock:
            self.calls += 1
        return verify_password(password_hash, password)


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> CountedChecks:
    counted = CountedChecks()
    monkeypatch.setattr(resolvers.sessions, "verify_password", counted)
    return counted


@pytest.fixture
async def server(app: Starlette, seed: Seed) -> AsyncIterator[LiveServer]:
    async with serve(app) as live:
        yield live


async def _burst(server: LiveServer, passwords: list[str]) -> list[dict[str, Any]]:
    limits = httpx.Limits(max_connections=len(passwords))
    async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=60) as http:
        answers = await asyncio.gather(
            *(
                http.post("/graphql", json={"query": LOGIN, "variables": {"e": EMAIL, "p": p}})
                for p in passwords
            )
        )
    return [answer.json() for answer in answers]


def _code(body: dict[str, Any]) -> str:
    if not body.get("errors"):
        return "OK"
    return str(body["errors"][0]["extensions"]["code"])


async def test_a_burst_of_guesses_checks_at_most_the_limit(
    server: LiveServer, checks: CountedChecks
) -> None:
    codes = [_code(body) for body in await _burst(server, [f"guess {n}" for n in range(BURST)])]
    assert checks.calls <= LIMIT
    assert codes.count("UNAUTHENTICATED") == checks.calls
    assert codes.count("RATE_LIMITED") == BURST - checks.calls


async def test_the_right_password_in_a_burst_does_not_log_in_once_locked(
    server: LiveServer, checks: CountedChecks
) -> None:
    await _burst(server, [f"guess {n}" for n in range(BURST)])
    checked_before = checks.calls
    burst = [f"again {n}" for n in range(BURST // 2)]
    burst.insert(len(burst) // 2, PASSWORD)
    codes = [_code(body) for body in await _burst(server, burst)]
    assert codes == ["RATE_LIMITED"] * len(burst)
    assert checks.calls == checked_before
