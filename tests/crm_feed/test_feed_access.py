"""CRM events in the `feed` query and the live `feed` subscription: only for viewers who may
read the record, with the fields hidden from them left out."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlalchemy import func, select
from starlette.applications import Starlette

from models import Event, SessionFactory
from tests.client import GraphQLClient
from tests.collaboration.factories import Company, Users, gid
from tests.crm_feed.world import (
    create_deal,
    move_deal,
    next_stage,
    sales_world,
    won_stage,
)
from tests.live_server import Subscription, serve

FEED = """query($kinds: [FeedEventKind!]) {
  feed(first: 50, kinds: $kinds) {
    totalCount
    edges { node { kind changes actor { name } subject { __typename ... on Deal { id title } } } }
  }
}"""
DEAL_KINDS = ["DEAL_CREATED", "DEAL_UPDATED", "DEAL_STAGE_MOVED", "DEAL_DELETED"]
LIVE_FEED = "subscription { feed { kind changes } }"


async def deal_feed(client: GraphQLClient) -> list[dict[str, Any]]:
    data = await client.data(FEED, {"kinds": DEAL_KINDS})
    return [edge["node"] for edge in data["feed"]["edges"]]


async def test_the_feed_shows_a_deal_only_to_its_readers_with_hidden_fields_hidden(
    company: Company, users: Users
) -> None:
    world = await sales_world(company, users)
    deal = await create_deal(world.ada, "Pipes for Nina", company.nina.id)
    await create_deal(world.ada, "Ada's own", company.ada.id)
    await move_deal(world.ada, deal, next_stage(deal))
    await move_deal(world.ada, deal, won_stage(deal))

    seen_by_nina = await deal_feed(world.nina)
    assert [event["kind"] for event in seen_by_nina] == [
        "DEAL_STAGE_MOVED",
        "DEAL_STAGE_MOVED",
        "DEAL_CREATED",
    ]
    assert {event["subject"]["id"] for event in seen_by_nina} == {deal["id"]}
    created = seen_by_nina[-1]["changes"]
    assert "amount" not in created
    assert created["title"] == [None, "Pipes for Nina"]
    won = seen_by_nina[0]["changes"]
    assert won["outcome"] == ["OPEN", "WON"]
    assert won["stageId"][1] == won_stage(deal)["id"]
    assert won["closedAt"][0] is None and won["closedAt"][1]

    assert await deal_feed(world.owen) == []
    seen_by_ada = await deal_feed(world.ada)
    assert len(seen_by_ada) == 4
    assert seen_by_ada[-1]["changes"]["amount"] == [None, "1000.00"]


async def test_a_deal_reassigned_away_leaves_the_feed_of_its_old_reader(
    company: Company, users: Users
) -> None:
    world = await sales_world(company, users)
    deal = await create_deal(world.ada, "Moving on", company.nina.id)
    assert len(await deal_feed(world.nina)) == 1
    await world.ada.data(
        "mutation($id: ID!, $to: ID) { updateDeal(id: $id, input: {assignedToId: $to}) { id } }",
        {"id": deal["id"], "to": gid("User", company.sam.id)},
    )
    assert await deal_feed(world.nina) == []
    kinds = [event["kind"] for event in await deal_feed(world.ada)]
    assert kinds == ["DEAL_UPDATED", "DEAL_CREATED"]


async def test_a_rolled_back_crm_change_leaves_no_event(
    admin: GraphQLClient, session_factory: SessionFactory
) -> None:
    lead = await admin.data('mutation { createLead(input: {title: "Ann"}) { id } }')
    before = await _event_count(session_factory)
    # The contact is inserted, then the unknown company fails the conversion: all of it goes.
    response = await admin.request(
        "mutation($id: ID!, $company: ID) { convertLead(id: $id, "
        "input: {createContact: true, companyId: $company}) { lead { id } } }",
        {"id": lead["createLead"]["id"], "company": gid("Company", 999_999)},
    )
    assert response.code == "NOT_FOUND"
    assert await _event_count(session_factory) == before


async def test_the_live_feed_delivers_deal_events_only_to_readers_masked(
    app: Starlette, company: Company, users: Users
) -> None:
    await sales_world(company, users)
    async with serve(app) as server:
        nina = await server.login(company.nina.email)
        owen = await server.login(company.owen.email)
        ada = await server.login(company.ada.email)
        async with (
            Subscription.open(server, nina, LIVE_FEED) as nina_feed,
            Subscription.open(server, owen, LIVE_FEED) as owen_feed,
        ):
            await asyncio.sleep(0.2)
            deal = (await server.graphql(_CREATE, _deal_input(company.nina.id), token=ada))[
                "createDeal"
            ]
            await server.graphql(
                "mutation($id: ID!, $s: ID!) { moveDeal(id: $id, stageId: $s) { id } }",
                {"id": deal["id"], "s": won_stage(deal)["id"]},
                token=ada,
            )
            created = (await nina_feed.next())["feed"]
            moved = (await nina_feed.next())["feed"]
            assert created["kind"] == "DEAL_CREATED"
            assert "amount" not in created["changes"]
            assert created["changes"]["title"] == [None, "Live"]
            assert moved["kind"] == "DEAL_STAGE_MOVED"
            assert moved["changes"]["outcome"] == ["OPEN", "WON"]
            assert await owen_feed.nothing_for(0.3)


_CREATE = """mutation($input: DealInput!) {
  createDeal(input: $input) { id stage { id } pipeline { stages { id name semantics } } }
}"""


def _deal_input(responsible_id: int) -> dict[str, Any]:
    return {"input": {"title": "Live", "amount": "5", "assignedToId": gid("User", responsible_id)}}


async def _event_count(session_factory: SessionFactory) -> int:
    async with session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(Event)) or 0)


HIDE_STAGE = """mutation($role: ID!) {
  setFieldRule(roleId: $role, entity: DEAL, field: "stage", rule: HIDDEN) { id }
}"""
ROLE_ID = "{ roles(first: 5) { edges { node { id name } } } }"


async def test_a_hidden_field_hides_every_key_that_reveals_it(
    company: Company, users: Users
) -> None:
    world = await sales_world(company, users)
    roles = (await world.ada.data(ROLE_ID))["roles"]["edges"]
    role = next(edge["node"]["id"] for edge in roles if edge["node"]["name"] == "Deal reader")
    await world.ada.data(HIDE_STAGE, {"role": role})
    deal = await create_deal(world.ada, "Quiet", company.nina.id)
    await move_deal(world.ada, deal, won_stage(deal))
    # The kind of a move tells the stage changed: it shows as a plain update, and asking
    # for moves is refused.
    refused = await world.nina.request(FEED, {"kinds": DEAL_KINDS})
    assert (refused.code, refused.error_field) == ("FORBIDDEN", "kinds")
    everything = (await world.nina.data(FEED, {"kinds": None}))["feed"]["edges"]
    moved, created = [
        edge["node"] for edge in everything if edge["node"]["subject"]["__typename"] == "Deal"
    ]
    assert moved["kind"] == "DEAL_UPDATED"
    assert set(moved["changes"]) == {"closedAt"}
    assert "stageId" not in created["changes"]
    assert created["changes"]["title"] == [None, "Quiet"]


async def test_the_live_feed_refuses_a_kind_that_tells_a_hidden_field(
    app: Starlette, company: Company, users: Users
) -> None:
    world = await sales_world(company, users)
    roles = (await world.ada.data(ROLE_ID))["roles"]["edges"]
    role = next(edge["node"]["id"] for edge in roles if edge["node"]["name"] == "Deal reader")
    await world.ada.data(HIDE_STAGE, {"role": role})
    async with serve(app) as server:
        nina = await server.login(company.nina.email)
        query = "subscription { feed(kinds: [DEAL_STAGE_MOVED]) { kind } }"
        async with Subscription.open(server, nina, query) as moves:
            answer = json.loads(await asyncio.wait_for(moves.connection.recv(), 5))
    assert answer["type"] in ("error", "next"), answer
    errors = answer["payload"] if answer["type"] == "error" else answer["payload"]["errors"]
    assert [(e["extensions"]["code"], e["extensions"]["field"]) for e in errors] == [
        ("FORBIDDEN", "kinds")
    ]


async def test_a_conversion_records_what_it_made_and_linked(admin: GraphQLClient) -> None:
    lead = await admin.data('mutation { createLead(input: {title: "Big fish"}) { id } }')
    converted = await admin.data(
        "mutation($id: ID!) { convertLead(id: $id, input: {createContact: true, "
        "createDeal: true}) { contact { id } deal { id } } }",
        {"id": lead["createLead"]["id"]},
    )
    data = await admin.data(
        "{ feed(first: 10) { edges { node { kind changes subject { __typename } } } } }"
    )
    events = [edge["node"] for edge in data["feed"]["edges"]]
    assert [event["kind"] for event in events] == [
        "LEAD_CONVERTED",
        "CONTACT_CREATED",
        "DEAL_CREATED",
        "LEAD_CREATED",
    ]
    changes = events[0]["changes"]
    assert changes["companyId"] == [None, None]
    assert changes["contactId"] == [None, converted["convertLead"]["contact"]["id"]]
    assert changes["dealId"] == [None, converted["convertLead"]["deal"]["id"]]
    assert [event["subject"]["__typename"] for event in events] == [
        "Lead",
        "Contact",
        "Deal",
        "Lead",
    ]


async def test_a_deleted_deal_reaches_live_readers_and_leaves_the_feed(
    app: Starlette, company: Company, users: Users
) -> None:
    world = await sales_world(company, users)
    deal = await create_deal(world.ada, "Gone soon", company.nina.id)
    async with serve(app) as server:
        nina = await server.login(company.nina.email)
        async with Subscription.open(server, nina, LIVE_FEED) as nina_feed:
            await asyncio.sleep(0.2)
            await world.ada.data("mutation($id: ID!) { deleteDeal(id: $id) }", {"id": deal["id"]})
            deleted = (await nina_feed.next())["feed"]
            assert deleted == {"kind": "DEAL_DELETED", "changes": {"name": ["Gone soon", None]}}
    assert await deal_feed(world.nina) == []


async def test_events_from_before_a_viewer_could_read_the_deal_show_no_values(
    company: Company, users: Users
) -> None:
    world = await sales_world(company, users)
    deal = await create_deal(world.ada, "Handed over", company.ada.id)
    await world.ada.data(
        "mutation($id: ID!, $to: ID) { updateDeal(id: $id, input: {assignedToId: $to}) { id } }",
        {"id": deal["id"], "to": gid("User", company.nina.id)},
    )
    updated, created = await deal_feed(world.nina)
    assert updated["changes"]["assignedToId"] == [
        gid("User", company.ada.id),
        gid("User", company.nina.id),
    ]
    assert created["kind"] == "DEAL_CREATED" and created["changes"] == {}
