"""Keyset pagination of CRM lists: complete, ordered, stable under inserts, flat with depth."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from starlette.applications import Starlette

from models import SessionFactory
from tests.client import GraphQLClient
from tests.crm.api import CREATE_DEAL, create
from tests.crm.factories import crm_records, many_deals
from tests.factories import Seed
from tests.statements import count_statements

PAGE = """
query($first: Int, $after: String, $last: Int, $before: String, $order: [DealOrder!]) {
  deals(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id amount title } }
  }
}"""

BY_AMOUNT_DESC = [{"field": "AMOUNT", "direction": "DESC"}, {"field": "TITLE"}]


def _without_keyset(statement: str) -> str:
    statement = re.sub(
        r" AND \(crm_deals\.created_at, crm_deals\.id\) < \(.*?\) ORDER BY", " ORDER BY", statement
    )
    return re.sub(r"\$\d+", "?", statement)  # PostgreSQL numbers its parameters


def _sort_key(node: dict[str, Any]) -> tuple[Decimal, str]:
    return (-Decimal(node["amount"]), node["title"])


async def test_walking_pages_forward_sees_every_deal_once_in_order_despite_inserts(
    member: GraphQLClient, session_factory: SessionFactory, seed: Seed
) -> None:
    await crm_records(session_factory, seed, 40)
    before = await member.data(PAGE, {"first": 100, "order": BY_AMOUNT_DESC})
    original = {edge["node"]["id"] for edge in before["deals"]["edges"]}
    assert len(original) == 40

    seen: list[dict[str, Any]] = []
    after = None
    for page_number in range(100):
        page = (await member.data(PAGE, {"first": 7, "after": after, "order": BY_AMOUNT_DESC}))[
            "deals"
        ]
        seen.extend(edge["node"] for edge in page["edges"])
        # Someone adds deals meanwhile: one sorting before the cursor, one after it.
        await create(member, CREATE_DEAL, title=f"New high {page_number}", amount="100000")
        await create(member, CREATE_DEAL, title=f"New low {page_number}", amount="0.01")
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    ids = [node["id"] for node in seen]
    assert len(ids) == len(set(ids)), "a deal came twice"
    assert original <= set(ids), "a deal was skipped"
    assert seen == sorted(seen, key=_sort_key)


async def test_walking_backwards_gives_the_same_rows(
    member: GraphQLClient, session_factory: SessionFactory, seed: Seed
) -> None:
    await crm_records(session_factory, seed, 30)
    forward = await member.data(PAGE, {"first": 100, "order": BY_AMOUNT_DESC})
    expected = [edge["node"]["id"] for edge in forward["deals"]["edges"]]

    collected: list[str] = []
    before = None
    while True:
        page = (await member.data(PAGE, {"last": 7, "before": before, "order": BY_AMOUNT_DESC}))[
            "deals"
        ]
        collected[:0] = [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert collected == expected


async def test_page_100_of_10000_deals_runs_the_statements_of_page_1(
    member: GraphQLClient, app: Starlette, session_factory: SessionFactory
) -> None:
    await many_deals(session_factory, 10_000)
    query = """query($after: String) { deals(first: 50, after: $after) {
        totalCount pageInfo { endCursor } edges { node { title stage { name } } } } }"""

    with count_statements(app.state.engine) as first_log:
        page = (await member.data(query, {}))["deals"]
    assert page["totalCount"] == 10_000
    for _ in range(98):
        page = (await member.data(query, {"after": page["pageInfo"]["endCursor"]}))["deals"]
    with count_statements(app.state.engine) as hundredth_log:
        page = (await member.data(query, {"after": page["pageInfo"]["endCursor"]}))["deals"]
    assert len(page["edges"]) == 50

    assert first_log.count == hundredth_log.count
    # The same statements but for the keyset condition of the page query.
    assert [_without_keyset(s) for s in hundredth_log.statements] == [
        _without_keyset(s) for s in first_log.statements
    ]
    (page_select,) = [s for s in hundredth_log.statements if "ORDER BY crm_deals" in s]
    # The keyset condition: one row comparison, which an index on (created_at, id) answers.
    assert "(crm_deals.created_at, crm_deals.id) <" in page_select
    for log in (first_log, hundredth_log):
        for statement, parameters in zip(log.statements, log.parameters, strict=True):
            if "OFFSET" in statement:
                # SQLite's dialect always writes "LIMIT ? OFFSET ?"; it must skip nothing.
                assert parameters[-1] == 0, statement


async def test_last_page_without_a_cursor(
    member: GraphQLClient, session_factory: SessionFactory, seed: Seed
) -> None:
    await crm_records(session_factory, seed, 10)
    order = [{"field": "TITLE"}]
    page = (await member.data(PAGE, {"last": 3, "order": order}))["deals"]
    assert [edge["node"]["title"] for edge in page["edges"]] == ["Deal 007", "Deal 008", "Deal 009"]
    assert page["pageInfo"]["hasPreviousPage"] is True
    assert page["pageInfo"]["hasNextPage"] is False
