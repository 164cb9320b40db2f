"""The CRM tests act as a member who may do everything in the CRM (a role granting ALL for
every entity and action): they test the CRM itself; tests/access_* and
tests/crm/test_access_*.py test who may do what."""

from __future__ import annotations

import pytest

from models import AccessLevel, SessionFactory
from tests.client import GraphQLClient
from tests.conftest import logged_in
from tests.factories import Seed, every_action, grant_role


@pytest.fixture
async def member(
    client: GraphQLClient, seed: Seed, session_factory: SessionFactory
) -> GraphQLClient:
    """A member of North (no admin right) holding a role with ALL on the whole CRM."""
    await grant_role(session_factory, "Full CRM", every_action(AccessLevel.ALL), user=seed.member)
    return await logged_in(client, seed.member.email)
