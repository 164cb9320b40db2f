"""The cost limit through the API: past it, QUERY_TOO_COMPLEX with the cost and the limit,
before anything runs."""

from __future__ import annotations

from tests.client import GraphQLClient
from tests.limits.documents import nested_list_bomb

# A plain list weighs 10: title 1; deals 1 + 10 x 1; company +1; deals 1 + 10 x 12; company
# +1; deals 1 + 10 x 122; company +1; node +1; edges (a page of 100) 1 + 100 x 1,223; +1.
NESTED_DEALS_COST = 122_302


async def test_the_nested_list_bomb_is_refused_before_it_runs(member: GraphQLClient) -> None:
    response = await member.request(nested_list_bomb(10))
    assert response.code == "QUERY_TOO_COMPLEX"
    extensions = response.errors[0]["extensions"]
    assert extensions["cost"] == 10 * NESTED_DEALS_COST
    assert extensions["limit"] == 50_000
    assert response.data is None


async def test_a_page_size_given_by_a_variable_counts(member: GraphQLClient) -> None:
    query = (
        "query($n: Int!) { deals(first: $n) { edges { node { company {"
        " deals { contacts { companies { deals { title } } } } } } } } }"
    )
    per_deal = 1 + 1 + 1 + 10 * (1 + 10 * (1 + 10 * (1 + 10)))  # node, company, its lists
    assert (await member.data(query, {"n": 2}))["deals"]["edges"] == []
    response = await member.request(query, {"n": 100})
    assert response.code == "QUERY_TOO_COMPLEX"
    assert response.errors[0]["extensions"]["cost"] == 2 + 100 * per_deal
