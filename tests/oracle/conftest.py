"""The fixture every differential check takes: a loader of populations."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from crmhub.settings import Settings
from models import SessionFactory
from tests.client import GraphQLClient
from tests.oracle.domain import Population
from tests.oracle.world import MakeWorld, World, prepare


@pytest.fixture
def make_world(
    engine: AsyncEngine, session_factory: SessionFactory, settings: Settings, client: GraphQLClient
) -> MakeWorld:
    """Loads an example's population into emptied tables (one app serves every example)."""

    async def make(population: Population) -> World:
        return await prepare(population, engine, session_factory, settings, client)

    return make
