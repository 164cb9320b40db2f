"""Bulk actions through the public API: each record goes through its one-record command, so
a mix of permitted and forbidden records changes the permitted ones (one event each) and
lists the others with their error; a filter (or a view) chooses the readable records only,
and chooses what the same ids would; past the cap nothing is done."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette

from crmhub.settings import Settings
from models import AccessAction, AccessLevel, SessionFactory
from models.crm import CrmEntity, Deal, Lead
from models.events import Event
from tests.client import GraphQLClient
from tests.collaboration.factories import Company, Users
from tests.crm.api import LEAD_STATUSES, global_id
from tests.crm.factories import crm_records, dictionaries
from tests.factories import grant_role
from tests.statements import count_statements

CAP = 10
DEAL, LEAD = CrmEntity.DEAL, CrmEntity.LEAD
ACTIONS = (AccessAction.READ, AccessAction.UPDATE, AccessAction.DELETE)

RESULT = "changed refused { id code message field }"
UPDATE_DEALS = f"""
mutation($ids: [ID!], $f: DealFilter, $v: ID, $p: DealPatch!) {{
  bulkUpdateDeals(ids: $ids, filter: $f, view: $v, patch: $p) {{ {RESULT} }}
}}"""
UPDATE_LEADS = f"""
mutation($ids: [ID!], $f: LeadFilter, $p: LeadPatch!) {{
  bulkUpdateLeads(ids: $ids, filter: $f, patch: $p) {{ {RESULT} }}
}}"""
MOVE_DEALS = f"""
mutation($ids: [ID!], $f: DealFilter, $s: ID!) {{
  bulkMoveDeals(ids: $ids, filter: $f, stageId: $s) {{ {RESULT} }}
}}"""
DELETE_DEALS = f"""
mutation($ids: [ID!], $f: DealFilter) {{
  bulkDeleteDeals(ids: $ids, filter: $f) {{ {RESULT} }}
}}"""
DEALS = """
query($f: DealFilter) {
  deals(first: 100, filter: $f) { edges { node { id probability assignedTo { id } } } }
}"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"bulk_max_records": CAP})


@pytest.fixture
async def people(
    company: Company, session_factory: SessionFactory, users: Users
) -> dict[str, GraphQLClient]:
    """Nine deals and leads, spread over Ada, Hugo and Mia. Mia reads every deal and lead
    but changes and deletes her own only; Hugo reads and changes his department's and
    below (his and Mia's); Sam may do everything."""
    await crm_records(session_factory, company.seed, 9)
    read_all = {(entity, AccessAction.READ): AccessLevel.ALL for entity in (DEAL, LEAD)}
    own = {(entity, action): AccessLevel.OWN for entity in (DEAL, LEAD) for action in ACTIONS}
    await grant_role(session_factory, "Mia", {**own, **read_all}, user=company.mia)
    below = {
        (entity, action): AccessLevel.SUBDEPARTMENTS
        for entity in (DEAL, LEAD)
        for action in ACTIONS
    }
    await grant_role(session_factory, "Hugo", below, user=company.hugo)
    every = {(entity, action): AccessLevel.ALL for entity in (DEAL, LEAD) for action in ACTIONS}
    await grant_role(session_factory, "Sam", every, user=company.sam)
    return {
        "mia": await users(company.mia),
        "hugo": await users(company.hugo),
        "sam": await users(company.sam),
    }


async def deal_ids(session_factory: SessionFactory, owner: int | None = None) -> list[str]:
    statement = select(Deal.id).order_by(Deal.id)
    if owner is not None:
        statement = statement.where(Deal.assigned_to_id == owner)
    async with session_factory() as session:
        return [global_id("Deal", pk) for pk in await session.scalars(statement)]


async def events(session_factory: SessionFactory, kind: str) -> list[str]:
    """The subjects of the events of ``kind``, as global IDs, in log order."""
    type_name = kind.split("_")[0].title()
    async with session_factory() as session:
        rows = await session.scalars(
            select(Event.subject_id).where(Event.kind == kind).order_by(Event.seq)
        )
        return [global_id(type_name, pk) for pk in rows]


def refused_codes(result: dict[str, Any]) -> dict[str, str]:
    return {item["id"]: item["code"] for item in result["refused"]}


async def test_permitted_records_change_and_forbidden_ones_are_listed(
    people: dict[str, GraphQLClient], company: Company, session_factory: SessionFactory
) -> None:
    everything = await deal_ids(session_factory)
    own = await deal_ids(session_factory, company.mia.id)
    gone = global_id("Deal", 999_999)
    data = await people["mia"].data(
        UPDATE_DEALS, {"ids": [*everything, gone], "p": {"probability": 40}}
    )
    result = data["bulkUpdateDeals"]
    assert result["changed"] == own and len(own) == 3
    codes = refused_codes(result)
    assert codes == {**{pk: "FORBIDDEN" for pk in everything if pk not in own}, gone: "NOT_FOUND"}
    assert all(item["message"] for item in result["refused"])
    # One event per changed record, none for the refused ones.
    assert await events(session_factory, "DEAL_UPDATED") == own
    listed = await people["sam"].data(DEALS)
    probabilities = {
        edge["node"]["id"]: edge["node"]["probability"] for edge in listed["deals"]["edges"]
    }
    assert {pk for pk, value in probabilities.items() if value == 40} == set(own)


async def test_an_invalid_value_is_refused_on_every_record_and_nothing_changes(
    people: dict[str, GraphQLClient], session_factory: SessionFactory
) -> None:
    everything = await deal_ids(session_factory)
    data = await people["sam"].data(
        UPDATE_DEALS, {"ids": everything, "p": {"probability": 40, "title": "  "}}
    )
    result = data["bulkUpdateDeals"]
    assert result["changed"] == []
    assert {(item["code"], item["field"]) for item in result["refused"]} == {
        ("BAD_USER_INPUT", "title")
    }
    assert await events(session_factory, "DEAL_UPDATED") == []
    listed = await people["sam"].data(DEALS)
    # Nothing partially applied: the probability given beside the bad title is not set.
    assert all(edge["node"]["probability"] != 40 for edge in listed["deals"]["edges"])


async def test_a_filter_chooses_only_the_records_the_viewer_reads(
    people: dict[str, GraphQLClient], company: Company, session_factory: SessionFactory
) -> None:
    hugo = people["hugo"]
    filter = {"amount": {"gte": "20"}}
    listed = await hugo.data(DEALS, {"f": filter})
    readable = [edge["node"]["id"] for edge in listed["deals"]["edges"]]
    assert len(readable) == 5  # his and Mia's of the seven from amount 20; not Ada's
    nina = global_id("User", company.nina.id)
    by_filter = await hugo.data(UPDATE_DEALS, {"f": filter, "p": {"assignedToId": nina}})
    assert sorted(by_filter["bulkUpdateDeals"]["changed"]) == sorted(readable)
    assert by_filter["bulkUpdateDeals"]["refused"] == []
    assert sorted(await events(session_factory, "DEAL_UPDATED")) == sorted(readable)

    # Reassigning out of one's own reach is refused, as updateDeal refuses it (UPDATE is
    # checked after the change too): Owen is in Marketing.
    owen = global_id("User", company.owen.id)
    away = await hugo.data(UPDATE_DEALS, {"ids": readable, "p": {"assignedToId": owen}})
    assert away["bulkUpdateDeals"]["changed"] == []
    assert set(refused_codes(away["bulkUpdateDeals"]).values()) == {"FORBIDDEN"}
    # Sam, who may change every deal, may.
    moved = await people["sam"].data(UPDATE_DEALS, {"ids": readable, "p": {"assignedToId": owen}})
    assert moved["bulkUpdateDeals"]["changed"] == readable
    assert (await hugo.data(DEALS, {"f": filter}))["deals"]["edges"] == []


async def test_by_filter_and_by_the_same_ids_change_and_refuse_the_same_records(
    people: dict[str, GraphQLClient],
) -> None:
    mia = people["mia"]
    filter = {"amount": {"gte": "20"}}
    listed = await mia.data(DEALS, {"f": filter})
    chosen = [edge["node"]["id"] for edge in listed["deals"]["edges"]]
    by_filter = await mia.data(UPDATE_DEALS, {"f": filter, "p": {"probability": 11}})
    by_ids = await mia.data(UPDATE_DEALS, {"ids": chosen, "p": {"probability": 12}})
    a, b = by_filter["bulkUpdateDeals"], by_ids["bulkUpdateDeals"]
    assert sorted(a["changed"]) == sorted(b["changed"]) and len(a["changed"]) == 3
    assert refused_codes(a) == refused_codes(b) and len(refused_codes(a)) == 4
    assert set(refused_codes(a).values()) == {"FORBIDDEN"}
    assert sorted(a["changed"] + list(refused_codes(a))) == sorted(chosen)


async def test_a_filter_chooses_readable_records_only_and_a_view_too(
    people: dict[str, GraphQLClient], company: Company, session_factory: SessionFactory
) -> None:
    hugo = people["hugo"]
    view = await hugo.data(
        "mutation($i: SavedViewInput!) { createSavedView(input: $i) { id } }",
        {"i": {"entity": "DEAL", "name": "Small", "filter": {"deal": {"amount": {"lt": "40"}}}}},
    )
    view_id = view["createSavedView"]["id"]
    data = await hugo.data(
        UPDATE_DEALS,
        {"v": view_id, "f": {"title": {"startsWith": "Deal"}}, "p": {"probability": 7}},
    )
    listed = await hugo.data(DEALS, {"f": {"amount": {"lt": "40"}}})
    assert sorted(data["bulkUpdateDeals"]["changed"]) == sorted(
        edge["node"]["id"] for edge in listed["deals"]["edges"]
    )
    assert len(data["bulkUpdateDeals"]["changed"]) == 2  # deals 1 and 2 of 0..3: Hugo's, Mia's
    # Neither ids and a filter together, nor neither.
    both = await hugo.request(UPDATE_DEALS, {"ids": [], "f": {}, "p": {"probability": 1}})
    assert both.code == "BAD_USER_INPUT" and both.error_field == "ids"
    neither = await hugo.request(UPDATE_DEALS, {"p": {"probability": 1}})
    assert neither.code == "BAD_USER_INPUT" and neither.error_field == "ids"


async def test_more_records_than_the_cap_are_refused_and_nothing_is_done(
    people: dict[str, GraphQLClient], company: Company, session_factory: SessionFactory
) -> None:
    everything = await deal_ids(session_factory)
    unknown = [global_id("Deal", 10_000 + i) for i in range(CAP + 1 - len(everything))]
    answer = await people["sam"].request(
        UPDATE_DEALS, {"ids": [*everything, *unknown], "p": {"probability": 3}}
    )
    assert answer.code == "BAD_USER_INPUT" and answer.error_field == "ids"
    assert await events(session_factory, "DEAL_UPDATED") == []
    # Repeats count once: the cap is on records.
    repeated = await people["sam"].data(
        UPDATE_DEALS, {"ids": everything * 2, "p": {"probability": 3}}
    )
    assert repeated["bulkUpdateDeals"]["changed"] == everything
    await crm_records(session_factory, company.seed, 2)  # 11 deals: past the cap
    answer = await people["sam"].request(UPDATE_DEALS, {"f": {}, "p": {"probability": 4}})
    assert answer.code == "BAD_USER_INPUT" and answer.error_field == "filter"
    assert len(await events(session_factory, "DEAL_UPDATED")) == len(everything)
    # Mia reads them all too, but a filter on what she may change stays within the cap.
    own = {"assignedToId": {"eq": global_id("User", company.mia.id)}}
    mine = await people["mia"].data(UPDATE_DEALS, {"f": own, "p": {"probability": 4}})
    assert len(mine["bulkUpdateDeals"]["changed"]) == 3


async def test_moves_and_deletes_go_through_the_one_record_commands(
    people: dict[str, GraphQLClient], company: Company, session_factory: SessionFactory
) -> None:
    found = await dictionaries(session_factory)
    everything = await deal_ids(session_factory)
    own = await deal_ids(session_factory, company.mia.id)
    stage = global_id("DealStage", found.stage_ids[1])
    moved = (await people["mia"].data(MOVE_DEALS, {"ids": everything, "s": stage}))["bulkMoveDeals"]
    assert moved["changed"] == own
    assert set(refused_codes(moved)) == set(everything) - set(own)
    # Mia's deals are in stages 2, 1 and 0: the one already in stage 1 stays, with no
    # move and no event, as moveDeal leaves it.
    assert await events(session_factory, "DEAL_STAGE_MOVED") == [own[0], own[2]]
    async with session_factory() as session:
        in_stage = await session.scalar(
            select(func.count())
            .select_from(Deal)
            .where(Deal.stage_id == found.stage_ids[1], Deal.assigned_to_id == company.mia.id)
        )
    assert in_stage == 3

    deleted = (await people["mia"].data(DELETE_DEALS, {"f": {}}))["bulkDeleteDeals"]
    assert deleted["changed"] == own
    assert set(refused_codes(deleted).values()) == {"FORBIDDEN"}
    assert await events(session_factory, "DEAL_DELETED") == own
    assert await deal_ids(session_factory, company.mia.id) == []


async def test_lead_statuses_change_in_bulk_but_never_to_success(
    people: dict[str, GraphQLClient], company: Company, session_factory: SessionFactory
) -> None:
    statuses = (await people["sam"].data(LEAD_STATUSES))["leadStatuses"]
    junk = next(s["id"] for s in statuses if s["semantics"] == "FAILURE")
    converted = next(s["id"] for s in statuses if s["semantics"] == "SUCCESS")
    async with session_factory() as session:
        leads = [
            global_id("Lead", pk) for pk in await session.scalars(select(Lead.id).order_by(Lead.id))
        ]
    refused = await people["sam"].data(UPDATE_LEADS, {"ids": leads, "p": {"statusId": converted}})
    assert refused["bulkUpdateLeads"]["changed"] == []
    assert {item["field"] for item in refused["bulkUpdateLeads"]["refused"]} == {"statusId"}
    mia = global_id("User", company.mia.id)
    done = await people["sam"].data(
        UPDATE_LEADS,
        {"f": {"title": {"startsWith": "Lead 00"}}, "p": {"statusId": junk, "assignedToId": mia}},
    )
    assert done["bulkUpdateLeads"]["changed"] == leads
    assert await events(session_factory, "LEAD_UPDATED") == leads


async def test_choosing_costs_the_same_whatever_the_number_and_each_record_its_own_update(
    people: dict[str, GraphQLClient], session_factory: SessionFactory, app: Starlette
) -> None:
    sam = people["sam"]
    everything = await deal_ids(session_factory)
    single = "mutation($id: ID!, $p: DealPatch!) { updateDeal(id: $id, input: $p) { id } }"
    await sam.data(single, {"id": everything[0], "p": {"probability": 1}})
    with count_statements(app.state.engine) as one:
        await sam.data(single, {"id": everything[0], "p": {"probability": 2}})

    def titles(numbers: range) -> dict[str, Any]:
        return {"title": {"in": [f"Deal {i:03}" for i in numbers]}}

    counts = []
    for numbers, probability in ((range(0), 3), (range(1, 4), 4), (range(3, 9), 5)):
        with count_statements(app.state.engine) as log:
            data = await sam.data(
                UPDATE_DEALS, {"f": titles(numbers), "p": {"probability": probability}}
            )
        assert len(data["bulkUpdateDeals"]["changed"]) == len(numbers)
        counts.append(log.count)
    none, three, six = counts
    per_record = (three - none) / 3
    # Choosing is one statement whatever it chooses; each record then costs what its
    # single update costs, without the request's own (the token, the policy).
    assert six - none == 6 * per_record
    assert per_record <= one.count
