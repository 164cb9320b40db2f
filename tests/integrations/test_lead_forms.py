"""Web forms: an admin defines one; a visitor posts to its public address without a login;
the lead is made in the owner's rights, assigned, sourced, marked with the UTM of the visit
and flagged when it repeats a customer. Bots (the honeypot), bad input, floods and dead
forms make nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from crmhub.app import create_app
from crmhub.settings import Settings
from schema.relay import encode_id
from tests.client import GraphQLClient
from tests.factories import Seed

CREATE_FORM = """
mutation($input: CreateLeadFormInput!) {
  createLeadForm(input: $input) {
    id submitPath active fields { name leadField required } assignedTo { email }
  }
}"""
FORMS = "{ leadForms { id submissions { created invalid spam refused } } }"
LEADS = """{ leads(first: 50) { totalCount edges { node {
  title lastName companyTitle sourceDescription isRepeat utmSource utmCampaign
  assignedTo { email } createdBy { email } source { name }
  communications { kind value } } } } }"""
SOURCES = "{ leadSources { id name } }"
FIELDS = [
    {"name": "name", "leadField": "lastName", "required": True},
    {"name": "company", "leadField": "companyTitle"},
    {"name": "phone", "leadField": "phone"},
    {"name": "email", "leadField": "email"},
    {"name": "message", "leadField": "sourceDescription"},
]


async def create_form(admin: GraphQLClient, seed: Seed, **extra: Any) -> dict[str, Any]:
    source = (await admin.data(SOURCES))["leadSources"][0]
    variables = {
        "name": "Contact us",
        "fields": FIELDS,
        "assignedToId": encode_id("User", seed.member.id),
        "sourceId": source["id"],
    } | extra
    form: dict[str, Any] = (await admin.data(CREATE_FORM, {"input": variables}))["createLeadForm"]
    return form


async def leads(admin: GraphQLClient) -> list[dict[str, Any]]:
    data = await admin.data(LEADS)
    return [edge["node"] for edge in data["leads"]["edges"]]


async def submissions(admin: GraphQLClient) -> dict[str, int]:
    counts: dict[str, int] = (await admin.data(FORMS))["leadForms"][0]["submissions"]
    return counts


async def test_a_visitor_posts_and_the_lead_is_made_as_the_form_says(
    admin: GraphQLClient, client: GraphQLClient, seed: Seed
) -> None:
    form = await create_form(admin, seed)
    assert form["assignedTo"] == {"email": "member@example.com"} and form["active"]
    posted = await client.http.post(
        form["submitPath"] + "?ignored=1",
        json={
            "name": "Petrov",
            "company": "Ural Steel",
            "phone": "+7 912 000-11-22",
            "email": "petrov@uralsteel.example",
            "message": "Need 40 licences",
            "utm_source": "yandex",
            "utm_campaign": "winter",
            "submit": "Send",
        },
    )
    assert (posted.status_code, posted.json()) == (201, {"ok": True})
    assert posted.headers["access-control-allow-origin"] == "*"
    (lead,) = await leads(admin)
    assert lead["lastName"] == "Petrov" and lead["title"] == "Petrov Ural Steel"
    assert lead["sourceDescription"] == "Need 40 licences"
    assert (lead["utmSource"], lead["utmCampaign"]) == ("yandex", "winter")
    assert lead["assignedTo"] == {"email": "member@example.com"}
    assert lead["createdBy"] == {"email": "admin@example.com"}
    assert lead["source"] is not None and not lead["isRepeat"]
    assert {(c["kind"], c["value"]) for c in lead["communications"]} == {
        ("PHONE", "+7 912 000-11-22"),
        ("EMAIL", "petrov@uralsteel.example"),
    }

    # A customer with that phone: the next lead from it is flagged as a repeat.
    await admin.data(
        "mutation($input: ContactInput!) { createContact(input: $input) { id } }",
        {
            "input": {
                "lastName": "Petrov",
                "communications": [{"kind": "PHONE", "value": "+7 912 000-11-22"}],
            }
        },
    )
    again = await client.http.post(
        form["submitPath"],
        content="name=Petrov&phone=%2B7+912+000-11-22",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert again.status_code == 201
    repeat = next(lead for lead in await leads(admin) if lead["companyTitle"] == "")
    assert repeat["isRepeat"]
    assert await submissions(admin) == {"created": 2, "invalid": 0, "spam": 0, "refused": 0}


@pytest.mark.parametrize(
    ("body", "headers", "status", "field"),
    [
        ({"company": "no name"}, {}, 400, "name"),
        ({"name": ["a", "list"]}, {}, 400, "name"),
        ({"name": "x" * 1000}, {}, 400, "name"),
        ({"name": "Petrov", "phone": "not a phone at all"}, {}, 400, None),
        (b"{not json", {"Content-Type": "application/json"}, 400, None),
        (b"[1, 2]", {"Content-Type": "application/json"}, 400, None),
        (b"name=Petrov", {"Content-Type": "text/plain"}, 415, None),
        (
            b"name=" + b"x" * 20_000,
            {"Content-Type": "application/x-www-form-urlencoded"},
            413,
            None,
        ),
    ],
)
async def test_bad_submissions_are_refused_clearly_and_make_nothing(
    admin: GraphQLClient,
    client: GraphQLClient,
    seed: Seed,
    body: Any,
    headers: dict[str, str],
    status: int,
    field: str | None,
) -> None:
    form = await create_form(admin, seed)
    if isinstance(body, dict):
        answer = await client.http.post(form["submitPath"], json=body)
    else:
        answer = await client.http.post(form["submitPath"], content=body, headers=headers)
    assert answer.status_code == status, answer.text
    if status in (400, 415):
        error = answer.json()["error"]
        assert error["code"] == "BAD_USER_INPUT" and error["message"]
        if field is not None:
            assert error["field"] == field
    assert "traceback" not in answer.text.lower()
    assert await leads(admin) == []


async def test_a_bot_filling_the_honeypot_is_answered_as_anyone_and_makes_nothing(
    admin: GraphQLClient, client: GraphQLClient, seed: Seed
) -> None:
    form = await create_form(admin, seed, honeypot="homepage")
    bot = await client.http.post(
        form["submitPath"], json={"name": "Bot", "homepage": "http://spam.example"}
    )
    assert (bot.status_code, bot.json()) == (201, {"ok": True})
    assert await leads(admin) == []
    assert (await submissions(admin))["spam"] == 1


async def test_unknown_inactive_and_deleted_forms_answer_404(
    admin: GraphQLClient, client: GraphQLClient, seed: Seed
) -> None:
    form = await create_form(admin, seed)
    assert (await client.http.post("/forms/no-such-key", json={"name": "x"})).status_code == 404
    await admin.data(
        "mutation($id: ID!) { setLeadFormActive(id: $id, active: false) { active } }",
        {"id": form["id"]},
    )
    assert (await client.http.post(form["submitPath"], json={"name": "x"})).status_code == 404
    await admin.data("mutation($id: ID!) { deleteLeadForm(id: $id) }", {"id": form["id"]})
    assert (await client.http.post(form["submitPath"], json={"name": "x"})).status_code == 404
    assert await leads(admin) == []


async def test_a_form_whose_owner_left_refuses_and_makes_nothing(
    admin: GraphQLClient, client: GraphQLClient, seed: Seed
) -> None:
    form = await create_form(admin, seed, ownerId=encode_id("User", seed.head.id))
    await admin.data(
        "mutation($id: ID!) { deactivateUser(id: $id) { id } }",
        {"id": encode_id("User", seed.head.id)},
    )
    refused = await client.http.post(form["submitPath"], json={"name": "Petrov"})
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "FORBIDDEN")
    assert await leads(admin) == []
    assert (await submissions(admin))["refused"] == 1


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"fields": []}, "BAD_USER_INPUT", "fields"),
        ({"fields": [{"name": "a", "leadField": "amount"}]}, "BAD_USER_INPUT", "fields"),
        ({"fields": [{"name": "utm_x", "leadField": "title"}]}, "BAD_USER_INPUT", "fields"),
        ({"fields": [{"name": "a b", "leadField": "title"}]}, "BAD_USER_INPUT", "fields"),
        (
            {"fields": [{"name": "a", "leadField": "title"}, {"name": "a", "leadField": "phone"}]},
            "BAD_USER_INPUT",
            "fields",
        ),
        ({"fields": [{"name": "website", "leadField": "title"}]}, "BAD_USER_INPUT", "fields"),
        ({"name": " "}, "BAD_USER_INPUT", "name"),
        ({"ownerId": encode_id("User", 999)}, "NOT_FOUND", "ownerId"),
    ],
)
async def test_the_admin_api_refuses_bad_forms(
    admin: GraphQLClient, change: dict[str, Any], code: str, field: str
) -> None:
    variables = {"name": "Form", "fields": [{"name": "n", "leadField": "title"}]} | change
    answer = await admin.request(CREATE_FORM, {"input": variables})
    assert (answer.code, answer.error_field) == (code, field)
    assert (await admin.data(FORMS))["leadForms"] == []


async def test_only_admins_define_or_list_forms(member: GraphQLClient) -> None:
    variables = {"name": "Form", "fields": [{"name": "n", "leadField": "title"}]}
    assert (await member.request(CREATE_FORM, {"input": variables})).code == "FORBIDDEN"
    assert (await member.request(FORMS)).code == "FORBIDDEN"


@pytest.fixture
async def strict_app(settings: Settings, engine: object) -> AsyncIterator[Starlette]:
    app = create_app(settings.model_copy(update={"form_submissions_per_address": 3}))
    async with app.router.lifespan_context(app):
        yield app


async def test_a_flood_from_one_address_is_cut_at_the_limit_others_still_post(
    strict_app: Starlette, seed: Seed
) -> None:
    async def client_at(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=strict_app, client=(address, 50000))
        return httpx.AsyncClient(transport=transport, base_url="http://crmhub.test")

    async with await client_at("203.0.113.7") as flood, await client_at("198.51.100.9") as other:
        login = await flood.post(
            "/graphql",
            json={
                "query": 'mutation { login(email: "admin@example.com", password: "demo") '
                "{ token } }"
            },
        )
        admin = GraphQLClient(flood, login.json()["data"]["login"]["token"])
        form = await create_form(admin, seed)
        statuses = [
            (await flood.post(form["submitPath"], json={"name": f"n{i}"})).status_code
            for i in range(6)
        ]
        assert statuses == [201, 201, 201, 429, 429, 429]
        assert (await other.post(form["submitPath"], json={"name": "ok"})).status_code == 201
        assert len(await leads(admin)) == 4


async def north_members(admin: GraphQLClient, seed: Seed, count: int) -> list[str]:
    """The e-mails of North's members in id order: Mia Member, then ``count`` new ones."""
    north = encode_id("Department", seed.north.id)
    for index in range(count):
        await admin.data(
            "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }",
            {
                "input": {
                    "email": f"north{index}@example.com",
                    "name": f"North {index}",
                    "password": "a long enough password",
                    "departmentId": north,
                }
            },
        )
    return ["member@example.com"] + [f"north{index}@example.com" for index in range(count)]


def routed_to(seed: Seed, strategy: str) -> dict[str, Any]:
    return {"departmentId": encode_id("Department", seed.north.id), "strategy": strategy}


async def assignees(admin: GraphQLClient) -> list[str]:
    """The responsible of each lead, oldest lead first."""
    data = await admin.data(
        "{ leads(first: 50, orderBy: [{field: CREATED_AT}]) "
        "{ edges { node { assignedTo { email } } } } }"
    )
    return [edge["node"]["assignedTo"]["email"] for edge in data["leads"]["edges"]]


async def test_round_robin_routing_takes_the_members_in_turn_and_tells_each(
    admin: GraphQLClient, client: GraphQLClient, seed: Seed
) -> None:
    members = await north_members(admin, seed, 2)
    form = await create_form(admin, seed, routing=routed_to(seed, "ROUND_ROBIN"))
    for index in range(4):
        posted = await client.http.post(form["submitPath"], json={"name": f"Lead {index}"})
        assert posted.status_code == 201
    assert await assignees(admin) == [*members, members[0]]

    member = client.as_user(await client.login("member@example.com"))
    told = await member.data("{ notifications(first: 10) { edges { node { kind } } } }")
    kinds = [edge["node"]["kind"] for edge in told["notifications"]["edges"]]
    assert kinds.count("LEAD_ASSIGNED") == 2

    # A member who left is skipped; the turn goes on from whom it reached.
    await admin.data(
        "mutation($id: ID!) { deactivateUser(id: $id) { id } }",
        {"id": encode_id("User", seed.member.id)},
    )
    await client.http.post(form["submitPath"], json={"name": "Lead 4"})
    await client.http.post(form["submitPath"], json={"name": "Lead 5"})
    assert (await assignees(admin))[4:] == [members[1], members[2]]


async def test_least_loaded_routing_picks_whoever_works_the_fewest_leads(
    admin: GraphQLClient, client: GraphQLClient, seed: Seed
) -> None:
    members = await north_members(admin, seed, 1)
    busy = await create_form(admin, seed)  # to Mia Member, unrouted
    for index in range(2):
        await client.http.post(busy["submitPath"], json={"name": f"Busy {index}"})
    form = await create_form(admin, seed, routing=routed_to(seed, "LEAST_LOADED"))
    for index in range(3):
        await client.http.post(form["submitPath"], json={"name": f"Routed {index}"})
    # 2 against 0: the new member twice, then the tie (2 each) goes to the earlier one.
    assert (await assignees(admin))[2:] == [members[1], members[1], members[0]]


async def test_routing_to_an_unknown_department_is_refused(
    admin: GraphQLClient, seed: Seed
) -> None:
    routing = {"departmentId": encode_id("Department", 999), "strategy": "ROUND_ROBIN"}
    answer = await admin.request(
        CREATE_FORM,
        {"input": {"name": "F", "fields": FIELDS, "routing": routing}},
    )
    assert (answer.code, answer.error_field) == ("NOT_FOUND", "routing.departmentId")
