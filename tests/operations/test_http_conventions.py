"""GraphQL over HTTP as its specification has it: media types and their status codes, 405
for a mutation over GET, CORS when configured, security headers on GraphiQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from crmhub.app import create_app
from crmhub.http_conventions import prefers_graphql_response
from crmhub.settings import Settings
from tests.client import GraphQLClient

GRAPHQL_RESPONSE = "application/graphql-response+json"
APOLLO_ACCEPT = "application/graphql-response+json,application/json;q=0.9"


@pytest.mark.parametrize(
    ("accept", "preferred"),
    [
        (None, False),
        ("", False),
        ("application/json", False),
        ("*/*", False),
        (GRAPHQL_RESPONSE, True),
        (APOLLO_ACCEPT, True),
        ("application/json, application/graphql-response+json", True),
        ("application/json, application/graphql-response+json;q=0.5", False),
        ("application/graphql-response+json;q=0", False),
        ("application/graphql-response+json;q=nonsense, application/json", False),
        ("text/html", False),
    ],
)
def test_the_accept_header_decides_the_media_type(accept: str | None, preferred: bool) -> None:
    assert prefers_graphql_response(accept) is preferred


async def post(
    client: GraphQLClient, body: dict[str, object], accept: str | None = None
) -> httpx.Response:
    headers = {"Accept": accept} if accept else {}
    if client.token:
        headers["Authorization"] = f"Bearer {client.token}"
    return await client.http.post("/graphql", json=body, headers=headers)


async def test_a_successful_answer_in_either_media_type(admin: GraphQLClient) -> None:
    for accept, media_type in [(APOLLO_ACCEPT, GRAPHQL_RESPONSE), (None, "application/json")]:
        answer = await post(admin, {"query": "{ viewer { email } }"}, accept)
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith(media_type)
        assert answer.headers["vary"] == "accept"
        assert answer.json()["data"]["viewer"]["email"]


@pytest.mark.parametrize(
    "body",
    [
        {"query": "{ viewer {"},  # does not parse
        {"query": "{ noSuchField }"},  # does not validate
        {"query": "query($n: Int!) { users(first: $n) { totalCount } }", "variables": {"n": "x"}},
    ],
    ids=["syntax", "validation", "coercion"],
)
async def test_a_request_error_is_a_400_without_data_for_graphql_response_json(
    admin: GraphQLClient, body: dict[str, object]
) -> None:
    answer = await post(admin, body, APOLLO_ACCEPT)
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert "data" not in answer.json()
    assert answer.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    legacy = await post(admin, body, "application/json")
    assert legacy.status_code == 200
    assert legacy.json()["data"] is None


async def test_a_field_error_stays_a_200_with_data(admin: GraphQLClient) -> None:
    answer = await post(admin, {"query": '{ node(id: "nonsense") { id } }'}, APOLLO_ACCEPT)
    assert answer.status_code == 200
    assert "data" in answer.json()
    assert answer.json()["errors"]


async def test_a_refusal_before_graphql_is_labelled_too(client: GraphQLClient) -> None:
    answer = await client.http.post(
        "/graphql",
        content=b"{not json",
        headers={"Content-Type": "application/json", "Accept": GRAPHQL_RESPONSE},
    )
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith(GRAPHQL_RESPONSE)


async def test_a_mutation_over_get_is_405_and_a_query_over_get_runs(admin: GraphQLClient) -> None:
    bearer = {"Authorization": f"Bearer {admin.token}"}
    refused = await admin.http.get(
        "/graphql", params={"query": "mutation { logout }"}, headers=bearer
    )
    assert refused.status_code == 405
    assert refused.headers["allow"] == "POST"
    assert refused.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert (await admin.data("{ viewer { email } }"))["viewer"]["email"]  # still logged in
    answered = await admin.http.get(
        "/graphql", params={"query": "{ viewer { email } }"}, headers=bearer
    )
    assert answered.status_code == 200
    assert answered.json()["data"]["viewer"]["email"]


async def test_graphiql_carries_security_headers(client: GraphQLClient) -> None:
    page = await client.http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "no-referrer"
    policy = dict(
        directive.split(" ", 1) for directive in page.headers["content-security-policy"].split("; ")
    )
    assert policy["frame-ancestors"] == "'none'"
    # Scripts from this origin only: the page has no inline script to allow.
    assert policy.get("script-src", policy["default-src"]) == "'self'"
    assert "<script>" not in page.text


ORIGIN = "https://app.example.com"
PREFLIGHT = {
    "Origin": ORIGIN,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}


async def test_cors_is_off_by_default(client: GraphQLClient) -> None:
    preflight = await client.http.options("/graphql", headers=PREFLIGHT)
    assert "access-control-allow-origin" not in preflight.headers
    answer = await client.http.get("/healthz", headers={"Origin": ORIGIN})
    assert "access-control-allow-origin" not in answer.headers


@pytest.fixture
async def cors_client(settings: Settings, engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    configured = settings.model_copy(update={"cors_allow_origins": [ORIGIN]})
    app = create_app(configured)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://crmhub.test") as http:
            yield http


async def test_a_preflight_from_an_allowed_origin_is_answered(
    cors_client: httpx.AsyncClient,
) -> None:
    preflight = await cors_client.options("/graphql", headers=PREFLIGHT)
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    assert "POST" in preflight.headers["access-control-allow-methods"]
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    answer = await cors_client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Origin": ORIGIN}
    )
    assert answer.headers["access-control-allow-origin"] == ORIGIN
    assert "x-request-id" in answer.headers["access-control-expose-headers"].lower()


async def test_a_preflight_from_another_origin_is_refused(cors_client: httpx.AsyncClient) -> None:
    preflight = await cors_client.options(
        "/graphql", headers={**PREFLIGHT, "Origin": "https://evil.example.net"}
    )
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
