"""Concurrent writes to one record: the losers answer CONFLICT, and histories stay a chain
(each recorded change starts where the one before it ended)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from tests.client import GraphQLClient, Response
from tests.crm.api import CREATE_DEAL, CREATE_LEAD, create, default_pipeline

CONVERT = """mutation($id: ID!) {
  convertLead(id: $id, input: {createContact: true, createCompany: true, createDeal: true}) {
    deal { id } } }"""
MOVE = "mutation($id: ID!, $stage: ID!) { moveDeal(id: $id, stageId: $stage) { id } }"
UPDATE = (
    "mutation($id: ID!, $amount: Decimal!) { updateDeal(id: $id, input: {amount: $amount}) { id } }"
)
HISTORY = """query($id: ID!) { node(id: $id) { ... on Deal {
  stageHistory { from { id } to { id } }
  timeline(first: 50) { edges { node { kind field oldValue newValue } } } } } }"""
COUNTS = "{ contacts { totalCount } companies { totalCount } deals { totalCount } }"


async def _all_at_once(
    client: GraphQLClient, document: str, variables: Sequence[dict[str, Any]]
) -> list[Response]:
    return list(await asyncio.gather(*(client.request(document, v) for v in variables)))


def _assert_one_chain(start: str | None, steps: list[tuple[str | None, str | None]]) -> None:
    """The (old, new) pairs, in any order, form one path from ``start`` through every pair."""
    following = dict(steps)
    assert len(following) == len(steps), f"two changes start from one value: {steps}"
    value, walked = start, 0
    while value in following:
        value, walked = following[value], walked + 1
    assert walked == len(steps), f"the changes do not chain from {start}: {steps}"


async def test_a_lead_converted_twice_at_once_is_converted_once(member: GraphQLClient) -> None:
    lead = await create(member, CREATE_LEAD, title="Web enquiry", firstName="Olga")
    answers = await _all_at_once(member, CONVERT, [{"id": lead["id"]}] * 4)
    assert sorted(answer.codes[0] if answer.errors else "OK" for answer in answers) == [
        "CONFLICT",
        "CONFLICT",
        "CONFLICT",
        "OK",
    ]
    counts = await member.data(COUNTS)
    assert {name: value["totalCount"] for name, value in counts.items()} == {
        "contacts": 1,
        "companies": 1,
        "deals": 1,
    }


async def test_simultaneous_moves_of_a_deal_leave_one_chain_of_stages(
    member: GraphQLClient,
) -> None:
    pipeline = await default_pipeline(member)
    deal = await create(member, CREATE_DEAL, title="Contested")
    targets = [stage["id"] for stage in pipeline["stages"][1:]]
    assert len(targets) >= 3
    answers = await _all_at_once(
        member, MOVE, [{"id": deal["id"], "stage": stage} for stage in targets]
    )
    assert all(not answer.errors for answer in answers), [a.errors for a in answers]
    history = (await member.data(HISTORY, {"id": deal["id"]}))["node"]["stageHistory"]
    moves = [(m["from"] and m["from"]["id"], m["to"]["id"]) for m in history]
    assert len(moves) == len(targets) + 1
    _assert_one_chain(None, moves)


async def test_simultaneous_amount_changes_record_a_chain_of_old_values(
    member: GraphQLClient,
) -> None:
    deal = await create(member, CREATE_DEAL, title="Contested", amount="100")
    amounts = [f"{101 + index}.00" for index in range(6)]
    answers = await _all_at_once(
        member, UPDATE, [{"id": deal["id"], "amount": amount} for amount in amounts]
    )
    assert all(not answer.errors for answer in answers), [a.errors for a in answers]
    timeline = (await member.data(HISTORY, {"id": deal["id"]}))["node"]["timeline"]["edges"]
    changes = [
        (entry["node"]["oldValue"], entry["node"]["newValue"])
        for entry in timeline
        if entry["node"]["kind"] == "FIELD_CHANGE" and entry["node"]["field"] == "amount"
    ]
    assert len(changes) == len(amounts)
    _assert_one_chain("100.00", changes)
