"""Ordering by a field hidden on some rows: the README's intern query answers with `null`
amounts, and hidden values reach neither the order nor the cursors."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import orjson

from tests.client import GraphQLClient
from tests.leaks.conftest import LogIn

README = Path(__file__).parents[2] / "README.md"
ROLES = "{ roles(first: 10) { edges { node { id name } } } }"
PIPELINES = "{ pipelines { id isDefault stages { id semantics } } }"
HIDE_IN = """mutation($role: ID!, $field: String!, $stage: ID!) { setFieldRule(roleId: $role,
  entity: DEAL, field: $field, rule: HIDDEN, statusId: $stage) { id } }"""
PAGE = """query($after: String, $order: [DealOrder!]) {
  deals(first: 40, after: $after, orderBy: $order) { totalCount
    edges { cursor node { id title createdAt } } pageInfo { hasNextPage endCursor } } }"""


def readme_query(start: str) -> str:
    """The GraphQL block of the README that starts with ``start``."""
    blocks: list[str] = re.findall(r"```graphql\n(.*?)```", README.read_text(), re.S)
    return next(block for block in blocks if block.lstrip("{ \n").startswith(start))


async def test_the_readme_intern_query_answers_null_amounts(demo: LogIn) -> None:
    query = readme_query("deals(first: 5, orderBy: [{field: AMOUNT, direction: DESC}])")
    intern = await demo("nikita.novikov@example.com")
    data = await intern.data(query)
    deals = [edge["node"] for edge in data["deals"]["edges"]]
    assert deals and data["deals"]["totalCount"] > 0
    assert all(deal["amount"] is None for deal in deals)
    assert all("amount" in deal["access"]["hiddenFields"] for deal in deals)

    maria = await demo("maria.ivanova@example.com")
    amounts = [
        float(edge["node"]["amount"]) for edge in (await maria.data(query))["deals"]["edges"]
    ]
    assert len(amounts) == 5 and amounts == sorted(amounts, reverse=True)


def _pk(global_id: str) -> int:
    padded = global_id + "=" * (-len(global_id) % 4)
    return int(base64.urlsafe_b64decode(padded).decode().split(":")[1])


def _cursor(cursor: str) -> list[Any]:
    decoded: list[Any] = orjson.loads(base64.urlsafe_b64decode(cursor))
    return decoded


async def _all_pages(user: GraphQLClient, order: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Every row, page after page; keyset pages neither repeat nor skip a row."""
    rows: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await user.data(PAGE, {"after": after, "order": order}))["deals"]
        rows.extend({**edge["node"], "cursor": edge["cursor"]} for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            assert len({row["id"] for row in rows}) == len(rows) == page["totalCount"]
            return rows
        after = page["pageInfo"]["endCursor"]


async def test_titles_hidden_in_won_deals_sort_apart_and_stay_out_of_cursors(
    demo: LogIn,
) -> None:
    admin = await demo("admin@example.com")
    roles = {
        e["node"]["name"]: e["node"]["id"] for e in (await admin.data(ROLES))["roles"]["edges"]
    }
    pipeline = next(p for p in (await admin.data(PIPELINES))["pipelines"] if p["isDefault"])
    won = next(stage["id"] for stage in pipeline["stages"] if stage["semantics"] == "SUCCESS")
    for field in ("title", "createdAt"):
        await admin.data(HIDE_IN, {"role": roles["Sales manager"], "field": field, "stage": won})
    maria = await demo("maria.ivanova@example.com")

    for direction in ("ASC", "DESC"):
        rows = await _all_pages(maria, [{"field": "TITLE", "direction": direction}])
        hidden = [row for row in rows if row["title"] is None]
        shown = [row for row in rows if row["title"] is not None]
        assert hidden and shown
        # As NULL sorts in PostgreSQL: last ascending, first descending; by id among them.
        assert rows == (shown + hidden if direction == "ASC" else hidden + shown)
        pks = [_pk(row["id"]) for row in hidden]
        assert pks == sorted(pks, reverse=direction == "DESC")
        for row in hidden:
            assert _cursor(row["cursor"]) == [1, "", _pk(row["id"])]
        for row in shown:
            assert _cursor(row["cursor"]) == [0, row["title"], _pk(row["id"])]
    # The default order, newest first, pages through hidden creation times as well.
    newest_first = await _all_pages(maria, [])
    assert [row["createdAt"] is None for row in newest_first] == sorted(
        (row["createdAt"] is None for row in newest_first), reverse=True
    )
    refused = await maria.request('{ deals(filter: {title: {startsWith: "A"}}) { totalCount } }')
    assert (refused.code, refused.error_field) == ("FORBIDDEN", "filter.title")
