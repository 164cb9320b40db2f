"""Typed filters and orders of the CRM lists, through GraphQL."""

from __future__ import annotations

from typing import Any

from models import SessionFactory
from tests.client import GraphQLClient
from tests.crm.factories import crm_records
from tests.factories import Seed

DEALS = """query($f: DealFilter, $o: [DealOrder!]) {
  deals(first: 100, filter: $f, orderBy: $o) { totalCount edges { node { title amount } } } }"""


async def _titles(client: GraphQLClient, filter: dict[str, Any], order: Any = None) -> list[str]:
    data = await client.data(DEALS, {"f": filter, "o": order})
    return [edge["node"]["title"] for edge in data["deals"]["edges"]]


async def test_deal_filters(
    member: GraphQLClient, session_factory: SessionFactory, seed: Seed
) -> None:
    await crm_records(session_factory, seed, 12)  # Deal 000..011, amount 10 * i, stage i % 4
    by_title = [{"field": "TITLE"}]
    assert await _titles(member, {"amount": {"gte": "30", "lt": "60"}}, by_title) == [
        "Deal 003",
        "Deal 004",
        "Deal 005",
    ]
    assert await _titles(member, {"amount": {"in": ["0", "110.00"]}}, by_title) == [
        "Deal 000",
        "Deal 011",
    ]
    assert await _titles(member, {"title": {"contains": "al 01"}}, by_title) == [
        "Deal 010",
        "Deal 011",
    ]
    assert await _titles(member, {"title": {"startsWith": "deal 00"}}, by_title) == [
        f"Deal 00{i}" for i in range(10)
    ]
    pipelines = (await member.data("{ pipelines { id stages { id } } }"))["pipelines"]
    second_stage = pipelines[0]["stages"][1]["id"]
    assert await _titles(member, {"stageId": {"eq": second_stage}}, by_title) == [
        "Deal 001",
        "Deal 005",
        "Deal 009",
    ]
    assert await _titles(
        member,
        {
            "or": [
                {"amount": {"lt": "15"}},
                {"and": [{"stageId": {"eq": second_stage}}, {"not": {"amount": {"gt": "50"}}}]},
            ]
        },
        by_title,
    ) == ["Deal 000", "Deal 001", "Deal 005"]
    assert await _titles(member, {"search": "company 007"}) == ["Deal 007"]
    member_id = (await member.data("{ viewer { id } }"))["viewer"]["id"]
    assert len(await _titles(member, {"createdById": {"eq": member_id}})) == 12
    assert await _titles(member, {"assignedToId": {"eq": member_id}}, by_title) == [
        "Deal 002",
        "Deal 005",
        "Deal 008",
        "Deal 011",
    ]
    assert await _titles(member, {"createdAt": {"gte": "2026-01-01T00:10:00+00:00"}}) == [
        "Deal 011",
        "Deal 010",
    ]
    assert await _titles(member, {"closedAt": {"isNull": False}}) == []
    assert await _titles(member, {"opened": True, "amount": {"eq": "20"}}) == ["Deal 002"]
    ordered = await _titles(
        member,
        {"amount": {"lte": "30"}},
        [{"field": "AMOUNT", "direction": "DESC"}],
    )
    assert ordered == ["Deal 003", "Deal 002", "Deal 001", "Deal 000"]


async def test_search_over_names_and_communications(
    member: GraphQLClient, session_factory: SessionFactory, seed: Seed
) -> None:
    await crm_records(session_factory, seed, 12)
    contacts = await member.data(
        """query($f: ContactFilter) { contacts(filter: $f) { edges { node { lastName } } } }""",
        {"f": {"search": "8 900 000 0003"}},  # written differently from "+7 900 000 0003"
    )
    assert [e["node"]["lastName"] for e in contacts["contacts"]["edges"]] == ["003"]
    leads = await member.data(
        """query($f: LeadFilter) { leads(filter: $f) { totalCount } }""",
        {"f": {"search": "lead 01"}},
    )
    assert leads["leads"]["totalCount"] == 2
    companies = await member.data(
        """query($f: CompanyFilter) { companies(filter: $f) { edges { node { title } } } }""",
        {"f": {"search": "0000011"}},
    )
    assert [e["node"]["title"] for e in companies["companies"]["edges"]] == ["Company 011"]
