"""The demo company of ``make run``, loaded through its own loader, and its users' clients."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from crmhub.demo import load_demo
from crmhub.settings import Settings
from tests.client import GraphQLClient
from tests.conftest import logged_in

LogIn = Callable[[str], Awaitable[GraphQLClient]]


@pytest.fixture
async def demo(settings: Settings, engine: AsyncEngine, client: GraphQLClient) -> LogIn:
    """Loads the demo data; the fixture logs a demo user in by e-mail (password ``demo``)."""
    assert await load_demo(settings)

    async def log_in(email: str) -> GraphQLClient:
        return await logged_in(client, email)

    return log_in
