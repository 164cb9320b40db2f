"""Concurrent updates and deletions of one lead, contact, company, deal or activity: the
change history stays a chain (each recorded old value is the previous new one) and a record
is deleted once (the other deletion answers NOT_FOUND), whatever the interleaving."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.client import GraphQLClient, Response
from tests.crm.api import CREATE_COMPANY, CREATE_CONTACT, CREATE_DEAL, CREATE_LEAD, create
from tests.crm.test_concurrent_writes import _assert_one_chain

SIX = 6

# entity: (create document, its input, update mutation, patch field, first value, delete)
RECORDS: dict[str, tuple[str, dict[str, Any], str, str, str, str]] = {
    "Lead": (CREATE_LEAD, {"title": "Enquiry"}, "updateLead", "title", "Enquiry", "deleteLead"),
    "Contact": (
        CREATE_CONTACT,
        {"firstName": "Ann", "position": "Buyer"},
        "updateContact",
        "position",
        "Buyer",
        "deleteContact",
    ),
    "Company": (
        CREATE_COMPANY,
        {"title": "Acme", "industry": "Steel"},
        "updateCompany",
        "industry",
        "Steel",
        "deleteCompany",
    ),
    "Deal": (CREATE_DEAL, {"title": "Contested"}, "updateDeal", "title", "Contested", "deleteDeal"),
}

TIMELINE = """query($id: ID!) { node(id: $id) { ... on Lead { %s } ... on Contact { %s }
  ... on Company { %s } ... on Deal { %s } } }""" % (
    ("timeline(first: 50) { edges { node { kind field oldValue newValue } } }",) * 4
)
ADD_ACTIVITY = """mutation($input: ActivityInput!) { addActivity(input: $input) { id } }"""
COMPLETE_ACTIVITY = "mutation($id: ID!) { completeActivity(id: $id) { completed completedAt } }"
DELETE_ACTIVITY = "mutation($id: ID!) { deleteActivity(id: $id) }"


async def _all_at_once(
    client: GraphQLClient, calls: list[tuple[str, dict[str, Any]]]
) -> list[Response]:
    return list(await asyncio.gather(*(client.request(doc, v) for doc, v in calls)))


def _outcomes(answers: list[Response]) -> list[str]:
    return sorted(answer.codes[0] if answer.errors else "OK" for answer in answers)


# A deal's updates: test_concurrent_writes.py.
@pytest.mark.parametrize("entity", ["Company", "Contact", "Lead"])
async def test_simultaneous_updates_of_a_field_record_one_chain(
    member: GraphQLClient, entity: str
) -> None:
    document, input, verb, field, first, _delete = RECORDS[entity]
    record = await create(member, document, **input)
    update = (
        f"mutation($id: ID!, $v: String!) {{ {verb}(id: $id, input: {{{field}: $v}}) {{ id }} }}"
    )
    values = [f"{first} {index}" for index in range(SIX)]
    answers = await _all_at_once(member, [(update, {"id": record["id"], "v": v}) for v in values])
    assert _outcomes(answers) == ["OK"] * SIX, [a.errors for a in answers]
    timeline = (await member.data(TIMELINE, {"id": record["id"]}))["node"]["timeline"]["edges"]
    changes = [
        (entry["node"]["oldValue"], entry["node"]["newValue"])
        for entry in timeline
        if entry["node"]["kind"] == "FIELD_CHANGE" and entry["node"]["field"] == field
    ]
    assert len(changes) == SIX
    _assert_one_chain(first, changes)


@pytest.mark.parametrize("entity", sorted(RECORDS))
async def test_simultaneous_deletions_delete_once(member: GraphQLClient, entity: str) -> None:
    document, input, _verb, _field, _first, delete = RECORDS[entity]
    record = await create(member, document, **input)
    mutation = f"mutation($id: ID!) {{ {delete}(id: $id) }}"
    answers = await _all_at_once(member, [(mutation, {"id": record["id"]})] * 2)
    # The loser finds nothing to delete: it neither fails inside nor records a deletion.
    assert _outcomes(answers) == ["NOT_FOUND", "OK"], [a.errors for a in answers]


async def _new_activity(member: GraphQLClient) -> str:
    deal = await create(member, CREATE_DEAL, title="With a call")
    input = {"kind": "CALL", "subject": "Follow-up", "ownerIds": [deal["id"]]}
    activity_id: str = (await member.data(ADD_ACTIVITY, {"input": input}))["addActivity"]["id"]
    return activity_id


async def test_simultaneous_completions_of_an_activity_complete_it_once(
    member: GraphQLClient,
) -> None:
    activity = await _new_activity(member)
    answers = await _all_at_once(member, [(COMPLETE_ACTIVITY, {"id": activity})] * SIX)
    assert _outcomes(answers) == ["OK"] * SIX, [a.errors for a in answers]
    # The later completions find it completed and keep the time of the first.
    times = {(answer.data or {})["completeActivity"]["completedAt"] for answer in answers}
    assert len(times) == 1 and None not in times


async def test_simultaneous_deletions_of_an_activity_delete_it_once(
    member: GraphQLClient,
) -> None:
    activity = await _new_activity(member)
    answers = await _all_at_once(member, [(DELETE_ACTIVITY, {"id": activity})] * 2)
    assert _outcomes(answers) == ["NOT_FOUND", "OK"], [a.errors for a in answers]
