"""An operation past its time budget is cancelled and answers OPERATION_TIMEOUT."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from crmhub.app import create_app
from crmhub.settings import Settings
from tests.client import GraphQLClient
from tests.factories import Seed


@pytest.fixture
async def hurried(
    settings: Settings, engine: AsyncEngine, seed: Seed
) -> AsyncIterator[GraphQLClient]:
    """A client of an app whose operations may run one microsecond: anything that waits for
    the database runs past it."""
    app = create_app(settings.model_copy(update={"operation_timeout_seconds": 1e-6}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://crmhub.test") as http:
            yield GraphQLClient(http)


async def test_an_operation_past_its_budget_answers_a_timeout(
    hurried: GraphQLClient, client: GraphQLClient, seed: Seed
) -> None:
    # Logging in waits for the database too: the token comes from the ordinary app.
    token = await client.login(seed.admin.email)
    response = await hurried.request("{ users(first: 5) { totalCount } }", token=token)
    assert response.code == "OPERATION_TIMEOUT"
    assert response.errors[0]["extensions"]["limitSeconds"] == 1e-6
    assert response.data is None


async def test_a_query_without_waits_finishes_within_any_budget(hurried: GraphQLClient) -> None:
    assert (await hurried.data("{ __typename }")) == {"__typename": "Query"}
