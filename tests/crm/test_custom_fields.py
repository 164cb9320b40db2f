"""Custom fields behave like built-in fields: an administrator adds an enumeration to deals,
a sales manager sets it, filters and orders by it, and a field rule hiding it in won deals
from an intern is honoured on every path (list, node, filter, order, search, timeline,
feed, access)."""

from __future__ import annotations

from typing import Any

import pytest

from models import AccessLevel, SessionFactory
from schema.relay import encode_id
from tests.access.test_admin_api import ASSIGN, create_role, stages
from tests.access.test_rule_scopes_api import SET_FIELD_RULE, set_rule
from tests.client import GraphQLClient
from tests.conftest import logged_in
from tests.crm.custom_api import (
    CREATE_DEAL,
    MOVE_DEAL,
    UPDATE_DEAL,
    create_field,
    titles,
    value,
    values_of,
)
from tests.factories import Seed, every_action, grant_role

CODE = "UF_SOURCE_CHANNEL"
CHANNELS = ["Web", "Phone", "Partner"]
NODE = """
query($id: ID!) {
  node(id: $id) {
    ... on Deal {
      title
      customField(code: "UF_SOURCE_CHANNEL") { values { string } }
      customFields { field }
      access { hiddenFields }
      timeline(first: 20) { edges { node { kind field oldValue newValue } } }
    }
  }
}"""
FEED = "{ feed(first: 50) { edges { node { kind changes } } } }"


@pytest.fixture
async def world(
    admin: GraphQLClient, client: GraphQLClient, seed: Seed, session_factory: SessionFactory
) -> dict[str, Any]:
    """The field; a manager (the head) with every right on deals; deals on every channel,
    the Partner one won; an intern (the member) who reads every deal, but whose role hides
    the field in won deals."""
    await create_field(
        admin,
        entity="DEAL",
        code=CODE,
        name="Source channel",
        kind="ENUMERATION",
        options=CHANNELS,
    )
    manager_role = await grant_role(
        session_factory, "Sales manager", every_action(AccessLevel.ALL), user=seed.head
    )
    manager = await logged_in(client, seed.head.email)
    ids = {}
    for title, channel in (("alpha", "Phone"), ("bravo", "Web"), ("charlie", "Partner")):
        created = await manager.data(
            CREATE_DEAL,
            {"input": {"title": title, "customFields": [value(CODE, string=channel)]}},
        )
        ids[title] = created["createDeal"]["id"]
    await manager.data(CREATE_DEAL, {"input": {"title": "delta"}})
    won = (await stages(session_factory))["Won"]
    await manager.data(MOVE_DEAL, {"id": ids["charlie"], "stage": won})
    # A change recorded while the deal is won: its timeline and feed entries name the field.
    await manager.data(
        UPDATE_DEAL, {"id": ids["charlie"], "input": {"customFields": [value(CODE, string="Web")]}}
    )
    role = await create_role(admin, "Intern")
    assert not (await set_rule(admin, role, "ALL")).errors
    rule = {"role": role, "entity": "DEAL", "field": CODE, "rule": "HIDDEN"}
    await admin.data(SET_FIELD_RULE, rule | {"semantics": "SUCCESS"})
    await admin.data(ASSIGN, {"role": role, "user": encode_id("User", seed.member.id)})
    intern = await logged_in(client, seed.member.email)
    return {
        "manager": manager,
        "intern": intern,
        "ids": ids,
        "admin": admin,
        "manager_role": encode_id("Role", manager_role),
    }


async def test_the_manager_sets_filters_and_orders_by_the_field(world: dict[str, Any]) -> None:
    manager: GraphQLClient = world["manager"]
    web_or_partner = {"custom": [{"field": CODE, "in": ["Web", "Partner"]}]}
    assert sorted(await titles(manager, web_or_partner)) == ["bravo", "charlie"]
    assert await titles(manager, {"custom": [{"field": CODE, "eq": "Phone"}]}) == ["alpha"]
    assert await titles(manager, {"custom": [{"field": CODE, "isNull": True}]}) == ["delta"]
    assert await titles(manager, {"not": {"custom": [{"field": CODE, "startsWith": "p"}]}}) == [
        "delta",
        "charlie",
        "bravo",
    ]
    # Text order; the deal without a value last ascending, first descending.
    ascending = await titles(manager, order=[{"custom": CODE}])
    assert ascending == ["alpha", "bravo", "charlie", "delta"]  # Phone, Web, Web, none
    descending = await titles(manager, order=[{"custom": CODE, "direction": "DESC"}])
    assert descending == ["delta", "charlie", "bravo", "alpha"]
    # The search looks into textual custom fields.
    assert await titles(manager, {"search": "phon"}) == ["alpha"]


async def test_the_manager_sees_the_change_everywhere(world: dict[str, Any]) -> None:
    manager: GraphQLClient = world["manager"]
    node = (await manager.data(NODE, {"id": world["ids"]["charlie"]}))["node"]
    assert node["customField"] == {"values": [{"string": "Web"}]}
    changes = [edge["node"] for edge in node["timeline"]["edges"] if edge["node"]["field"] == CODE]
    assert [(change["oldValue"], change["newValue"]) for change in changes] == [("Partner", "Web")]
    feed = (await manager.data(FEED))["feed"]["edges"]
    assert any(CODE in str(edge["node"]["changes"]) for edge in feed)


async def test_an_unknown_option_is_refused_naming_the_field(world: dict[str, Any]) -> None:
    manager: GraphQLClient = world["manager"]
    answer = await manager.request(
        UPDATE_DEAL,
        {"id": world["ids"]["alpha"], "input": {"customFields": [value(CODE, string="Fax")]}},
    )
    assert answer.code == "BAD_USER_INPUT"
    assert answer.error_field == CODE
    assert "Source channel" in answer.errors[0]["message"]


async def test_the_intern_never_sees_the_field_of_the_won_deal(world: dict[str, Any]) -> None:
    intern: GraphQLClient = world["intern"]
    data = await intern.data(
        "{ deals(first: 10, orderBy: [{field: TITLE}]) "
        "{ edges { node { title customFields { field values { string } } } } } }"
    )
    nodes = {edge["node"]["title"]: edge["node"] for edge in data["deals"]["edges"]}
    assert values_of(nodes["alpha"], CODE) == ["Phone"]
    assert values_of(nodes["charlie"], CODE) is None
    assert values_of(nodes["delta"], CODE) == []

    node = (await intern.data(NODE, {"id": world["ids"]["charlie"]}))["node"]
    assert node["customField"] is None
    assert node["customFields"] == []
    assert CODE in node["access"]["hiddenFields"]
    changes = [edge["node"] for edge in node["timeline"]["edges"] if edge["node"]["field"] == CODE]
    assert changes and all(
        change["oldValue"] is None and change["newValue"] is None for change in changes
    )
    feed = [edge["node"] for edge in (await intern.data(FEED))["feed"]["edges"]]
    # The change made while charlie was won leaves the field out; each creation event is
    # judged by the deal as it was then (none was won yet).
    updated = [node for node in feed if node["kind"] == "DEAL_UPDATED"]
    assert updated and not any(CODE in node["changes"] for node in updated)
    created = {
        node["changes"]["title"][1]: node["changes"]
        for node in feed
        if node["kind"] == "DEAL_CREATED"
    }
    assert created["alpha"][CODE] == [None, "Phone"]
    assert CODE not in created["delta"]


async def test_a_creation_event_lists_the_values_but_those_hidden(
    world: dict[str, Any], session_factory: SessionFactory
) -> None:
    manager: GraphQLClient = world["manager"]
    intern: GraphQLClient = world["intern"]
    won = (await stages(session_factory))["Won"]
    given = {"title": "echo", "stageId": won, "customFields": [value(CODE, string="Web")]}
    await manager.data(CREATE_DEAL, {"input": given})

    async def echo_created(client: GraphQLClient) -> dict[str, Any]:
        feed = [edge["node"] for edge in (await client.data(FEED))["feed"]["edges"]]
        return next(
            node["changes"]
            for node in feed
            if node["kind"] == "DEAL_CREATED" and node["changes"]["title"] == [None, "echo"]
        )

    assert (await echo_created(manager))[CODE] == [None, "Web"]
    assert CODE not in await echo_created(intern)


async def test_filtering_on_a_field_hidden_somewhere_is_refused(world: dict[str, Any]) -> None:
    intern: GraphQLClient = world["intern"]
    answer = await intern.request(
        "query($f: DealFilter) { deals(filter: $f) { totalCount } }",
        {"f": {"custom": [{"field": CODE, "eq": "Web"}]}},
    )
    assert answer.code == "FORBIDDEN"


async def test_ordering_sorts_hidden_values_with_the_missing_ones(world: dict[str, Any]) -> None:
    intern: GraphQLClient = world["intern"]
    # charlie's value (Web) is hidden: it sorts as if it had none, after the others, by id.
    assert await titles(intern, order=[{"custom": CODE}]) == ["alpha", "bravo", "charlie", "delta"]
    assert await titles(intern, order=[{"custom": CODE, "direction": "DESC"}]) == [
        "delta",
        "charlie",
        "bravo",
        "alpha",
    ]


async def test_the_search_never_matches_a_hidden_value(world: dict[str, Any]) -> None:
    intern: GraphQLClient = world["intern"]
    assert await titles(intern, {"search": "partner"}) == []
    assert await titles(intern, {"search": "web"}) == []


async def test_a_read_only_rule_refuses_changes_in_won_deals(world: dict[str, Any]) -> None:
    admin: GraphQLClient = world["admin"]
    manager: GraphQLClient = world["manager"]
    rule = {"role": world["manager_role"], "entity": "DEAL", "field": CODE, "rule": "READ_ONLY"}
    await admin.data(SET_FIELD_RULE, rule | {"semantics": "SUCCESS"})
    change = {"customFields": [value(CODE, string="Phone")]}
    answer = await manager.request(UPDATE_DEAL, {"id": world["ids"]["charlie"], "input": change})
    assert answer.code == "FORBIDDEN"
    # Other fields of the won deal, and the field on open deals, stay writable.
    await manager.data(UPDATE_DEAL, {"id": world["ids"]["charlie"], "input": {"title": "c2"}})
    updated = await manager.data(UPDATE_DEAL, {"id": world["ids"]["bravo"], "input": change})
    assert values_of(updated["updateDeal"], CODE) == ["Phone"]
    access = await manager.data(
        "query($id: ID!) { node(id: $id) { ... on Deal { access { readOnlyFields } } } }",
        {"id": world["ids"]["charlie"]},
    )
    assert CODE in access["node"]["access"]["readOnlyFields"]
