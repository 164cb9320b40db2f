"""A custom field naming a lead, contact, company or deal: its writer must be able to read
the record; it reads back as the record's global ID and the record itself, both null for a
viewer who may not read the record (as a built-in reference is); it filters by the ID and
shows as the ID in the change log."""

from __future__ import annotations

from typing import Any

import pytest

from models import AccessLevel, SessionFactory
from tests.client import GraphQLClient
from tests.conftest import logged_in
from tests.crm.custom_api import CREATE_DEAL, UPDATE_DEAL, create_field, titles, value
from tests.factories import Seed, every_action, grant_role

CODE = "UF_ACCOUNT"
CREATE_COMPANY = "mutation($title: String!) { createCompany(input: {title: $title}) { id } }"
CREATE_CONTACT = """
mutation($name: String!) { createContact(input: {firstName: $name}) { id } }"""
READ = """
query($id: ID!) {
  node(id: $id) {
    ... on Deal {
      customField(code: "UF_ACCOUNT") {
        kind values { recordId record { __typename ... on Company { title } } }
      }
      timeline(first: 20) { edges { node { field newValue } } }
    }
  }
}"""


@pytest.fixture
async def world(
    admin: GraphQLClient, client: GraphQLClient, seed: Seed, session_factory: SessionFactory
) -> dict[str, Any]:
    """The field on deals; an agent who reads and writes their own records only; a company
    of the admin's and one of the agent's."""
    field = await create_field(
        admin, entity="DEAL", code=CODE, name="Account", kind="CRM_RECORD", multiple=True
    )
    await grant_role(session_factory, "Agent", every_action(AccessLevel.OWN), user=seed.member)
    agent = await logged_in(client, seed.member.email)
    theirs = (await admin.data(CREATE_COMPANY, {"title": "Admin's"}))["createCompany"]["id"]
    own = (await agent.data(CREATE_COMPANY, {"title": "Agent's"}))["createCompany"]["id"]
    return {"agent": agent, "field": field, "theirs": theirs, "own": own}


def _record(id: str) -> dict[str, Any]:
    return value(CODE, recordId=id)


async def test_a_writer_names_only_records_they_may_read(
    admin: GraphQLClient, world: dict[str, Any]
) -> None:
    agent: GraphQLClient = world["agent"]
    refused = await agent.request(
        CREATE_DEAL, {"input": {"title": "d", "customFields": [_record(world["theirs"])]}}
    )
    assert refused.code == "NOT_FOUND"
    assert world["theirs"] in refused.errors[0]["message"]
    created = await agent.data(
        CREATE_DEAL, {"input": {"title": "d", "customFields": [_record(world["own"])]}}
    )
    deal = created["createDeal"]["id"]
    read = (await agent.data(READ, {"id": deal}))["node"]["customField"]
    assert read["kind"] == "CRM_RECORD"
    assert read["values"] == [
        {"recordId": world["own"], "record": {"__typename": "Company", "title": "Agent's"}}
    ]


async def test_a_record_the_viewer_may_not_read_reads_as_null(
    admin: GraphQLClient, world: dict[str, Any]
) -> None:
    agent: GraphQLClient = world["agent"]
    created = await agent.data(CREATE_DEAL, {"input": {"title": "d"}})
    deal = created["createDeal"]["id"]
    # The admin may read both companies, and puts both on the agent's deal.
    both = {"field": CODE, "values": [{"recordId": world["theirs"]}, {"recordId": world["own"]}]}
    await admin.data(UPDATE_DEAL, {"id": deal, "input": {"customFields": [both]}})
    seen_by_admin = (await admin.data(READ, {"id": deal}))["node"]
    assert [item["recordId"] for item in seen_by_admin["customField"]["values"]] == [
        world["theirs"],
        world["own"],
    ]
    entries = [edge["node"] for edge in seen_by_admin["timeline"]["edges"]]
    assert {"field": CODE, "newValue": f"{world['theirs']}, {world['own']}"} in entries
    seen_by_agent = (await agent.data(READ, {"id": deal}))["node"]["customField"]["values"]
    assert seen_by_agent == [
        {"recordId": None, "record": None},
        {"recordId": world["own"], "record": {"__typename": "Company", "title": "Agent's"}},
    ]


async def test_filters_by_the_record_and_refuses_other_ids(
    admin: GraphQLClient, world: dict[str, Any], seed: Seed
) -> None:
    contact = (await admin.data(CREATE_CONTACT, {"name": "Ann"}))["createContact"]["id"]
    for title, record in (("company", world["theirs"]), ("contact", contact), ("none", None)):
        given = [] if record is None else [_record(record)]
        await admin.data(CREATE_DEAL, {"input": {"title": title, "customFields": given}})
    assert await titles(admin, {"custom": [{"field": CODE, "eq": world["theirs"]}]}) == ["company"]
    assert await titles(admin, {"custom": [{"field": CODE, "eq": contact}]}) == ["contact"]
    assert await titles(admin, {"custom": [{"field": CODE, "isNull": True}]}) == ["none"]
    user = await admin.request(
        "query($f: DealFilter) { deals(filter: $f) { totalCount } }",
        {"f": {"custom": [{"field": CODE, "eq": world["field"]["id"]}]}},
    )
    assert user.code == "BAD_USER_INPUT"
    order = await admin.request('{ deals(orderBy: [{custom: "UF_ACCOUNT"}]) { totalCount } }')
    assert order.code == "BAD_USER_INPUT"
    not_a_record = await admin.request(
        CREATE_DEAL, {"input": {"title": "x", "customFields": [_record(world["field"]["id"])]}}
    )
    assert not_a_record.code == "BAD_USER_INPUT"
