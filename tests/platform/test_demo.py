"""`crmhub demo` and `crmhub createuser`."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crmhub import demo
from crmhub.settings import Settings
from models import Department, SessionFactory, User
from tests.client import GraphQLClient


async def _counts(session_factory: SessionFactory) -> tuple[int, int]:
    async with session_factory() as session:
        users = await session.scalar(select(func.count()).select_from(User))
        departments = await session.scalar(select(func.count()).select_from(Department))
    return int(users or 0), int(departments or 0)


async def test_demo_loads_once_and_admin_logs_in(
    settings: Settings, session_factory: SessionFactory, client: GraphQLClient
) -> None:
    assert await demo.load_demo(settings, only_if_empty=True) is True
    first = await _counts(session_factory)
    assert first == (len(demo.USERS), len(demo.DEPARTMENTS))
    assert await demo.load_demo(settings) is False
    assert await demo.load_demo(settings, only_if_empty=True) is False
    assert await _counts(session_factory) == first

    token = await client.login("admin@example.com", "demo")
    data = await client.data(
        "{ viewer { isAdmin } departments(filter: {rootsOnly: true}) { edges { node {"
        " name head { email } children { name head { email } } } } } }",
        token=token,
    )
    assert data["viewer"]["isAdmin"] is True
    [root] = data["departments"]["edges"]
    assert root["node"]["head"] == {"email": "admin@example.com"}
    assert all(child["head"] for child in root["node"]["children"])


async def test_createuser_applies_the_api_rules(
    settings: Settings, session_factory: SessionFactory, client: GraphQLClient
) -> None:
    await demo.create_user_directly(
        settings, "Boss@Example.com", "The Boss", "long enough", is_admin=True
    )
    token = await client.login("boss@example.com", "long enough")
    assert (await client.data("{ viewer { isAdmin } }", token=token))["viewer"]["isAdmin"]
    from resolvers.errors import BadInput

    with pytest.raises(BadInput):
        await demo.create_user_directly(settings, "x@example.com", "X", "short", is_admin=False)
