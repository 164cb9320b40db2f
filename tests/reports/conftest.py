"""Reports are checked as the README's demo users, over the demo data."""

from __future__ import annotations

import pytest

from crmhub.demo import load_demo
from crmhub.settings import Settings
from tests.client import GraphQLClient

HEAD, MANAGER, INTERN = (
    "irina.volkova@example.com",
    "maria.ivanova@example.com",
    "nikita.novikov@example.com",
)


@pytest.fixture
async def demo(settings: Settings, client: GraphQLClient) -> GraphQLClient:
    assert await load_demo(settings)
    return client
