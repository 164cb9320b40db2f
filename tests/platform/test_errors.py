"""Every error has a code; nothing leaks a stack trace; hostile queries are cut short."""

from __future__ import annotations

import pytest

from resolvers import users
from tests.client import GraphQLClient
from tests.factories import Seed


@pytest.mark.parametrize(
    "query",
    [
        "{ viewer { email ",
        "{ viewer { nosuchfield } }",
        '{ users(first: "ten") { totalCount } }',
        "query($n: Int!) { users(first: $n) { totalCount } }",
    ],
)
async def test_malformed_queries_are_bad_user_input(member: GraphQLClient, query: str) -> None:
    response = await member.request(query)
    assert response.codes and set(response.codes) == {"BAD_USER_INPUT"}


async def test_variables_of_the_wrong_type_name_the_variable(member: GraphQLClient) -> None:
    response = await member.request(
        "query($f: UserFilter) { users(filter: $f) { totalCount } }", {"f": {"active": "yes"}}
    )
    assert response.code == "BAD_USER_INPUT"
    assert "active" in response.errors[0]["message"]


async def test_an_unexpected_failure_is_masked(
    member: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_args: object) -> None:
        raise RuntimeError("secret internals: password=hunter2")

    monkeypatch.setattr(users, "get_user", broken)
    response = await member.request("{ viewer { email } }")
    assert response.code == "INTERNAL_SERVER_ERROR"
    assert response.errors[0]["message"] == "Internal server error"
    assert "hunter2" not in str(response.errors)


async def test_deep_queries_are_refused(member: GraphQLClient) -> None:
    nested = "parent { " * 12 + "name" + " }" * 12
    response = await member.request(f"{{ viewer {{ department {{ {nested} }} }} }}")
    assert response.code == "QUERY_TOO_COMPLEX"
    assert "depth" in response.errors[0]["message"]


async def test_alias_floods_are_refused(member: GraphQLClient) -> None:
    aliases = " ".join(f"a{index}: viewer {{ email }}" for index in range(40))
    response = await member.request(f"{{ {aliases} }}")
    assert response.code == "QUERY_TOO_COMPLEX"


async def test_get_requests_cannot_mutate(member: GraphQLClient, seed: Seed) -> None:
    answer = await member.http.get(
        "/graphql",
        params={"query": "mutation { logout }"},
        headers={"Authorization": f"Bearer {member.token}"},
    )
    assert answer.status_code in (400, 405)
    assert "Traceback" not in answer.text
    assert (await member.data("{ viewer { email } }"))["viewer"]["email"] == "member@example.com"


async def test_a_non_json_body_is_a_client_error(member: GraphQLClient) -> None:
    answer = await member.http.post(
        "/graphql", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400
    assert "Traceback" not in answer.text
