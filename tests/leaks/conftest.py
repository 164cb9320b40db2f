"""The demo company of ``make run`` (tests/demo.py) and its users' clients."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from crmhub.settings import Settings
from tests.client import GraphQLClient
from tests.conftest import logged_in
from tests.demo import demo_loaded

LogIn = Callable[[str], Awaitable[GraphQLClient]]


@pytest.fixture
async def demo(settings: Settings, engine: AsyncEngine, client: GraphQLClient) -> LogIn:
    """Loads the demo data; the fixture logs a demo user in by e-mail (password ``demo``)."""
    await demo_loaded(settings, engine)

    async def log_in(email: str) -> GraphQLClient:
        return await logged_in(client, email)

    return log_in
