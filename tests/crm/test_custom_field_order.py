"""Pages ordered by a custom field: the records with a value are read through an index of
the values in order, the others after them (before them, descending); pages follow each
other across that boundary in both directions, whatever their size."""

from __future__ import annotations

from typing import Any

import pytest

from tests.client import GraphQLClient
from tests.crm.custom_api import CREATE_DEAL, create_field, titles, value

PAGE = """
query($order: [DealOrder!], $first: Int, $after: String, $last: Int, $before: String) {
  deals(orderBy: $order, first: $first, after: $after, last: $last, before: $before) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { node { title } }
  }
}"""
ASCENDING = ["r1a", "r1b", "r2", "r3", "none-a", "none-b"]


async def _ranked(admin: GraphQLClient) -> None:
    await create_field(admin, entity="DEAL", code="UF_RANK", name="Rank", kind="INTEGER")
    for title, rank in (("r3", 3), ("none-a", None), ("r1a", 1), ("r2", 2), ("r1b", 1),
                        ("none-b", None)):  # fmt: skip
        given = [] if rank is None else [value("UF_RANK", integer=rank)]
        await admin.data(CREATE_DEAL, {"input": {"title": title, "customFields": given}})


async def _forwards(client: GraphQLClient, order: list[dict[str, Any]], size: int) -> list[str]:
    seen: list[str] = []
    after = None
    while True:
        page = (await client.data(PAGE, {"order": order, "first": size, "after": after}))["deals"]
        seen += [edge["node"]["title"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]


async def _backwards(client: GraphQLClient, order: list[dict[str, Any]], size: int) -> list[str]:
    seen: list[str] = []
    before = None
    while True:
        variables = {"order": order, "last": size, "before": before}
        page = (await client.data(PAGE, variables))["deals"]
        seen = [edge["node"]["title"] for edge in page["edges"]] + seen
        if not page["pageInfo"]["hasPreviousPage"]:
            return seen
        before = page["pageInfo"]["startCursor"]


@pytest.mark.parametrize("size", [1, 2, 4, 100])
async def test_pages_cross_from_the_values_to_the_records_without_one(
    admin: GraphQLClient, size: int
) -> None:
    await _ranked(admin)
    ascending = [{"custom": "UF_RANK"}]
    descending = [{"custom": "UF_RANK", "direction": "DESC"}]
    # Ties by id: the same direction as the field.
    expected_descending = ["none-b", "none-a", "r3", "r2", "r1b", "r1a"]
    assert await _forwards(admin, ascending, size) == ASCENDING
    assert await _backwards(admin, ascending, size) == ASCENDING
    assert await _forwards(admin, descending, size) == expected_descending
    assert await _backwards(admin, descending, size) == expected_descending


async def test_a_later_order_key_breaks_ties_of_the_field(admin: GraphQLClient) -> None:
    await _ranked(admin)
    order = [{"custom": "UF_RANK"}, {"field": "TITLE", "direction": "DESC"}]
    assert await _forwards(admin, order, 2) == ["r1b", "r1a", "r2", "r3", "none-b", "none-a"]


async def test_a_multiple_field_sorts_by_its_first_remaining_value(admin: GraphQLClient) -> None:
    field = await create_field(
        admin, entity="DEAL", code="UF_TAGS", name="Tags", kind="ENUMERATION", multiple=True,
        options=["A", "B", "C"],
    )  # fmt: skip
    for title, tags in (("m1", ["A", "C"]), ("m2", ["B"]), ("m3", [])):
        given = [{"field": "UF_TAGS", "values": [{"string": tag} for tag in tags]}]
        await admin.data(CREATE_DEAL, {"input": {"title": title, "customFields": given}})
    order = [{"custom": "UF_TAGS"}]
    assert await titles(admin, order=order) == ["m1", "m2", "m3"]
    # Removing A leaves m1's first value (C) at its second position.
    await admin.data(
        "mutation($id: ID!, $options: [String!]!) {"
        " setCustomFieldOptions(id: $id, options: $options) { id } }",
        {"id": field["id"], "options": ["B", "C"]},
    )
    assert await titles(admin, order=order) == ["m2", "m1", "m3"]
    assert await _forwards(admin, order, 1) == ["m2", "m1", "m3"]
