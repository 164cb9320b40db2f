"""Documents past the shape limits are refused at once with QUERY_TOO_COMPLEX, measured in
time linear in their size (fragments are measured once, however often they are spread)."""

from __future__ import annotations

from tests.client import GraphQLClient
from tests.limits.documents import fragment_bomb


async def test_a_fragment_bomb_is_refused_without_being_expanded(client: GraphQLClient) -> None:
    # Nobody logged in: the limits hold before the login check.
    response = await client.request(fragment_bomb(16))
    assert response.code == "QUERY_TOO_COMPLEX"
    extensions = response.errors[0]["extensions"]
    assert extensions["selections"] == 2**16
    assert extensions["limit"] == 2_000


async def test_fragments_count_once_per_spread_towards_the_selections(
    client: GraphQLClient,
) -> None:
    fragment = "fragment Name on Query { __typename }"
    within = "query { " + "...Name " * 20 + "} " + fragment
    assert (await client.data(within)) == {"__typename": "Query"}


async def test_deep_nesting_through_fragments_counts_towards_the_depth(
    member: GraphQLClient,
) -> None:
    fragments = " ".join(
        f"fragment D{i} on Department {{ parent {{ ...D{i + 1} }} }}" for i in range(12)
    )
    last = "fragment D12 on Department { name }"
    query = f"{{ viewer {{ department {{ ...D0 }} }} }} {fragments} {last}"
    response = await member.request(query)
    assert response.code == "QUERY_TOO_COMPLEX"
    assert response.errors[0]["extensions"]["depth"] == 15


async def test_one_field_repeated_in_a_selection_set_is_refused(client: GraphQLClient) -> None:
    # graphql-core compares such fields pairwise: 1,200 of them kept it busy for seconds.
    response = await client.request("{ " + "__typename " * 300 + "}")
    assert "QUERY_TOO_COMPLEX" in response.codes
    assert any(error["extensions"].get("sameNameFields") == 300 for error in response.errors)


async def test_many_fragments_spread_into_one_selection_set_are_refused(
    client: GraphQLClient,
) -> None:
    spreads = " ".join(f"...B{i}" for i in range(100))
    fragments = " ".join(f"fragment B{i} on Query {{ __typename }}" for i in range(100))
    response = await client.request(f"query {{ {spreads} }} {fragments}")
    assert response.code == "QUERY_TOO_COMPLEX"
    assert response.errors[0]["extensions"]["fragmentSpreads"] == 100


async def test_the_schema_query_of_graphiql_passes(client: GraphQLClient) -> None:
    from graphql import get_introspection_query

    data = await client.data(get_introspection_query(descriptions=True))
    assert data["__schema"]["queryType"]["name"] == "Query"


async def test_a_long_chain_of_fragments_is_refused_not_a_crash(client: GraphQLClient) -> None:
    chain = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} }}" for i in range(590))
    last = "fragment F590 on Query { __typename }"
    response = await client.request(f"query {{ ...F0 }} {chain} {last}")
    assert response.code == "QUERY_TOO_COMPLEX"
