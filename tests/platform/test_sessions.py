"""Login, logout, revocation and throttling, through the public API."""

from __future__ import annotations

from tests.client import GraphQLClient
from tests.factories import Seed

LOGIN = (
    "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token user { email } } }"
)
VIEWER = "{ viewer { email } }"


async def test_login_returns_a_token_that_identifies_the_viewer(
    client: GraphQLClient, seed: Seed
) -> None:
    data = await client.data(LOGIN, {"e": "  ADMIN@example.com ", "p": "demo"})
    assert data["login"]["user"] == {"email": "admin@example.com"}
    viewer = await client.data(VIEWER, token=data["login"]["token"])
    assert viewer == {"viewer": {"email": "admin@example.com"}}


async def test_wrong_password_and_unknown_email_answer_alike(
    client: GraphQLClient, seed: Seed
) -> None:
    wrong_password = await client.request(LOGIN, {"e": "admin@example.com", "p": "nope"})
    unknown = await client.request(LOGIN, {"e": "ghost@example.com", "p": "demo"})
    assert wrong_password.code == unknown.code == "UNAUTHENTICATED"
    assert wrong_password.errors[0]["message"] == unknown.errors[0]["message"]
    assert wrong_password.data is None


async def test_every_operation_but_login_needs_a_token(client: GraphQLClient, seed: Seed) -> None:
    for query in (
        VIEWER,
        "{ users { totalCount } }",
        "mutation { logout }",
        "{ __typename viewer { email } }",
        "query { ...F } fragment F on Query { viewer { email } }",
        "{ ... on Query { users { totalCount } } }",
    ):
        response = await client.request(query)
        assert response.code == "UNAUTHENTICATED", query
        assert response.data is None


async def test_a_forged_or_malformed_token_is_refused(client: GraphQLClient, seed: Seed) -> None:
    for token in ("forged", "a" * 43, "Bearer", ""):
        response = await client.request(VIEWER, token=token or "x")
        assert response.code == "UNAUTHENTICATED"
    raw = await client.http.post(
        "/graphql", json={"query": VIEWER}, headers={"Authorization": "Basic abc"}
    )
    assert raw.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_introspection_is_open_for_graphiql(client: GraphQLClient) -> None:
    data = await client.data("{ __schema { queryType { name } } }")
    assert data["__schema"]["queryType"]["name"] == "Query"


async def test_logout_revokes_only_that_token(client: GraphQLClient, seed: Seed) -> None:
    first = await client.login("member@example.com")
    second = await client.login("member@example.com")
    assert (await client.data("mutation { logout }", token=first)) == {"logout": True}
    assert (await client.request(VIEWER, token=first)).code == "UNAUTHENTICATED"
    assert (await client.data(VIEWER, token=second))["viewer"]["email"] == "member@example.com"


async def test_deactivation_takes_effect_on_the_next_request(
    admin: GraphQLClient, client: GraphQLClient, seed: Seed
) -> None:
    member_token = await client.login("member@example.com")
    member_id = (await client.data("{ viewer { id } }", token=member_token))["viewer"]["id"]
    await admin.data("mutation($id: ID!) { deactivateUser(id: $id) { active } }", {"id": member_id})
    assert (await client.request(VIEWER, token=member_token)).code == "UNAUTHENTICATED"
    again = await client.request(LOGIN, {"e": "member@example.com", "p": "demo"})
    assert again.code == "UNAUTHENTICATED"


async def test_repeated_failures_for_one_email_are_rate_limited(
    client: GraphQLClient, seed: Seed
) -> None:
    for _ in range(5):
        response = await client.request(LOGIN, {"e": "head@example.com", "p": "guess"})
        assert response.code == "UNAUTHENTICATED"
    # Even the right password is refused while the e-mail is throttled...
    throttled = await client.request(LOGIN, {"e": "head@example.com", "p": "demo"})
    assert throttled.code == "RATE_LIMITED"
    # ...but other e-mails from elsewhere are not affected.
    await client.login("member@example.com")


async def test_repeated_failures_from_one_address_are_rate_limited(
    client: GraphQLClient, seed: Seed
) -> None:
    for index in range(30):
        response = await client.request(LOGIN, {"e": f"nobody{index}@example.com", "p": "x"})
        assert response.code == "UNAUTHENTICATED"
    throttled = await client.request(LOGIN, {"e": "admin@example.com", "p": "demo"})
    assert throttled.code == "RATE_LIMITED"


async def test_a_successful_login_clears_the_failures_of_that_email(
    client: GraphQLClient, seed: Seed
) -> None:
    for _ in range(4):
        await client.request(LOGIN, {"e": "head@example.com", "p": "guess"})
    await client.login("head@example.com")
    for _ in range(4):
        assert (await client.request(LOGIN, {"e": "head@example.com", "p": "x"})).code == (
            "UNAUTHENTICATED"
        )
    await client.login("head@example.com")
