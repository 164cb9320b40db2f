"""Login throttling under concurrency, and per client address."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from crmhub.app import create_app
from crmhub.settings import Settings
from tests.client import GraphQLClient
from tests.factories import Seed

LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }"
STRANGER_ADDRESS = "203.0.113.9"


@pytest.fixture
async def stranger(app: Starlette) -> AsyncIterator[GraphQLClient]:
    """A client from another address than the ``client`` fixture's."""
    transport = httpx.ASGITransport(app=app, client=(STRANGER_ADDRESS, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://crmhub.test") as http:
        yield GraphQLClient(http)


async def _codes(client: GraphQLClient, email: str, passwords: list[str]) -> list[str]:
    answers = await asyncio.gather(
        *(client.request(LOGIN, {"e": email, "p": password}) for password in passwords)
    )
    return [answer.code if answer.errors else "OK" for answer in answers]


async def test_simultaneous_guesses_check_no_more_passwords_than_the_limit(
    client: GraphQLClient, seed: Seed
) -> None:
    codes = await _codes(client, "head@example.com", [f"guess {n}" for n in range(40)])
    # RATE_LIMITED is answered before the password is looked at: every other answer is a check.
    assert codes.count("UNAUTHENTICATED") == 5
    assert codes.count("RATE_LIMITED") == 35
    right = await client.request(LOGIN, {"e": "head@example.com", "p": "demo"})
    assert right.code == "RATE_LIMITED"


async def test_a_stranger_elsewhere_cannot_lock_the_owner_out(
    client: GraphQLClient, stranger: GraphQLClient, seed: Seed
) -> None:
    for _ in range(5):
        response = await stranger.request(LOGIN, {"e": "admin@example.com", "p": "guess"})
        assert response.code == "UNAUTHENTICATED"
    throttled = await stranger.request(LOGIN, {"e": "admin@example.com", "p": "demo"})
    assert throttled.code == "RATE_LIMITED"
    await client.login("admin@example.com")


async def test_successful_logins_do_not_count_against_the_address(
    settings: Settings, engine: AsyncEngine, seed: Seed
) -> None:
    # An office behind one address: many people log in all day; only failures count.
    strict = create_app(settings.model_copy(update={"login_failures_per_address": 2}))
    async with strict.router.lifespan_context(strict):
        transport = httpx.ASGITransport(app=strict, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://crmhub.test") as http:
            office = GraphQLClient(http)
            for email in ("admin@example.com", "head@example.com", "member@example.com"):
                await office.login(email)
            assert (await office.request(LOGIN, {"e": "ghost@x.org", "p": "?"})).code == (
                "UNAUTHENTICATED"
            )
            await office.login("admin@example.com")
