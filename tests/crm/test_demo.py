"""The demo CRM data: the volumes promised, spread over users and pipelines, loaded once."""

from __future__ import annotations

from crmhub.demo_crm import load_demo_crm
from models import SessionFactory
from tests.client import GraphQLClient
from tests.crm.api import global_id
from tests.factories import Seed

COUNTS = """{ leads { totalCount } companies { totalCount } contacts { totalCount }
  deals { totalCount } activities { totalCount } pipelines { name } }"""
WON = """query($f: DealFilter) { deals(first: 1, filter: $f) { totalCount
  edges { node { closedAt semantics stageHistory { to { name } } } } } }"""


async def test_demo_volumes_and_idempotence(
    member: GraphQLClient, session_factory: SessionFactory, seed: Seed
) -> None:
    async with session_factory() as session:
        assert await load_demo_crm(session) is True
        await session.commit()
    async with session_factory() as session:
        assert await load_demo_crm(session) is False

    data = await member.data(COUNTS)
    assert {name: data[name]["totalCount"] for name in data if name != "pipelines"} == {
        "leads": 200,
        "companies": 100,
        "contacts": 300,
        "deals": 500,
        "activities": 600,
    }
    assert [p["name"] for p in data["pipelines"]] == ["Sales", "Partners"]

    stages = (await member.data("{ pipelines { id stages { id semantics } } }"))["pipelines"]
    for pipeline in stages:
        in_pipeline = await member.data(WON, {"f": {"pipelineId": {"eq": pipeline["id"]}}})
        assert in_pipeline["deals"]["totalCount"] > 100
    won = [s["id"] for p in stages for s in p["stages"] if s["semantics"] == "SUCCESS"]
    closed = await member.data(WON, {"f": {"stageId": {"in": won}}})
    deal = closed["deals"]["edges"][0]["node"]
    assert deal["semantics"] == "SUCCESS" and deal["closedAt"] is not None
    assert len(deal["stageHistory"]) >= 2

    for user in (seed.admin, seed.head, seed.member):
        mine = await member.data(
            "query($u: ID!) { deals(filter: {assignedToId: {eq: $u}}) { totalCount } }",
            {"u": global_id("User", user.id)},
        )
        assert mine["deals"]["totalCount"] > 50
