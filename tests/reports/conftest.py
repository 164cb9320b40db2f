"""Reports are checked as the README's demo users, over the demo data."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from crmhub.settings import Settings
from tests.client import GraphQLClient
from tests.demo import demo_loaded

HEAD, MANAGER, INTERN = (
    "irina.volkova@example.com",
    "maria.ivanova@example.com",
    "nikita.novikov@example.com",
)


@pytest.fixture
async def demo(settings: Settings, engine: AsyncEngine, client: GraphQLClient) -> GraphQLClient:
    await demo_loaded(settings, engine)
    return client
