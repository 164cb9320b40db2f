"""Which operation runs (GraphQL-over-HTTP): a name is needed among several; a subscription
needs a websocket."""

from __future__ import annotations

from tests.client import GraphQLClient

TWO_OPERATIONS = "query Me { viewer { email } } mutation Out { logout }"


async def test_several_operations_without_a_name_are_refused(member: GraphQLClient) -> None:
    response = await member.request(TWO_OPERATIONS)
    assert response.code == "BAD_USER_INPUT"
    assert response.error_field == "operationName"
    assert "operation name" in response.errors[0]["message"]
    assert response.data is None
    # Nothing ran: the mutation would have logged the member out.
    assert (await member.data("{ viewer { email } }"))["viewer"]["email"] == "member@example.com"


async def test_the_named_operation_runs(member: GraphQLClient) -> None:
    answer = await member.http.post(
        "/graphql",
        json={"query": TWO_OPERATIONS, "operationName": "Me"},
        headers={"Authorization": f"Bearer {member.token}"},
    )
    assert answer.json() == {"data": {"viewer": {"email": "member@example.com"}}}


async def test_a_subscription_over_http_is_refused_with_a_code(member: GraphQLClient) -> None:
    response = await member.request("subscription { feed { kind } }")
    assert response.code == "BAD_USER_INPUT"
    assert "websocket" in response.errors[0]["message"]
