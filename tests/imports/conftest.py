"""Imports act as a member holding ALL on every CRM action (IMPORT included); the worker
runs when a test says so (``finish``), not in the background."""

from __future__ import annotations

import pytest

from crmhub.settings import Settings
from models import AccessLevel, SessionFactory
from tests.client import GraphQLClient
from tests.conftest import logged_in
from tests.factories import Seed, every_action, grant_role


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"import_worker_enabled": False, "import_batch_rows": 4})


@pytest.fixture
async def member(
    client: GraphQLClient, seed: Seed, session_factory: SessionFactory
) -> GraphQLClient:
    await grant_role(session_factory, "Full CRM", every_action(AccessLevel.ALL), user=seed.member)
    return await logged_in(client, seed.member.email)
