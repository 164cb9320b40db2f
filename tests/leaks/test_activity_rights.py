"""Changing or deleting an activity needs UPDATE (DELETE) on every record it is bound to,
readable or not; adding one needs UPDATE on every record it names."""

from __future__ import annotations

from typing import Any

from tests.client import GraphQLClient
from tests.leaks.conftest import LogIn

ME = "{ viewer { id } }"
DEALS = """query($f: DealFilter) { deals(first: 1, filter: $f) { edges { node { id } } } }"""
ADD = """mutation($owners: [ID!]!) {
  addActivity(input: {kind: CALL, subject: "Call", ownerIds: $owners}) { id } }"""
RENAME = """mutation($id: ID!) { updateActivity(id: $id, input: {subject: "Renamed"}) { id } }"""
COMPLETE = "mutation($id: ID!) { completeActivity(id: $id) { id } }"
DELETE = "mutation($id: ID!) { deleteActivity(id: $id) }"
SUBJECT = "query($id: ID!) { node(id: $id) { ... on Activity { subject completed } } }"


async def _me(user: GraphQLClient) -> str:
    user_id: str = (await user.data(ME))["viewer"]["id"]
    return user_id


async def _a_deal(user: GraphQLClient, **filter: Any) -> str:
    (edge,) = (await user.data(DEALS, {"f": filter}))["deals"]["edges"]
    deal_id: str = edge["node"]["id"]
    return deal_id


async def _refused(user: GraphQLClient, activity: str) -> None:
    for document in (RENAME, COMPLETE, DELETE):
        assert (await user.request(document, {"id": activity})).code == "FORBIDDEN", document


async def test_a_reader_changes_no_activity(demo: LogIn) -> None:
    admin = await demo("admin@example.com")
    intern = await demo("nikita.novikov@example.com")
    olga = await demo("olga.popova@example.com")
    interns_deal = await _a_deal(intern)
    olgas_private_deal = await _a_deal(admin, assignedToId={"eq": await _me(olga)}, opened=False)
    shared = (await admin.data(ADD, {"owners": [interns_deal, olgas_private_deal]}))["addActivity"][
        "id"
    ]
    own = (await admin.data(ADD, {"owners": [interns_deal]}))["addActivity"]["id"]

    await _refused(intern, shared)
    await _refused(intern, own)
    assert (await intern.request(ADD, {"owners": [interns_deal]})).code == "FORBIDDEN"
    for activity in (shared, own):
        assert (await admin.data(SUBJECT, {"id": activity}))["node"] == {
            "subject": "Call",
            "completed": False,
        }


async def test_a_manager_changes_activities_of_her_own_records_only(demo: LogIn) -> None:
    maria = await demo("maria.ivanova@example.com")
    pavel = await demo("pavel.sokolov@example.com")
    hers = await _a_deal(maria, assignedToId={"eq": await _me(maria)})
    his_opened = await _a_deal(maria, assignedToId={"eq": await _me(pavel)}, opened=True)

    assert (await maria.request(ADD, {"owners": [his_opened]})).code == "FORBIDDEN"
    assert (await maria.request(ADD, {"owners": [hers, his_opened]})).code == "FORBIDDEN"
    on_both = (await pavel.data(ADD, {"owners": [his_opened]}))["addActivity"]["id"]
    await _refused(maria, on_both)

    mine = (await maria.data(ADD, {"owners": [hers]}))["addActivity"]["id"]
    await maria.data(RENAME, {"id": mine})
    await maria.data(COMPLETE, {"id": mine})
    assert (await maria.data(SUBJECT, {"id": mine}))["node"] == {
        "subject": "Renamed",
        "completed": True,
    }
    assert (await maria.data(DELETE, {"id": mine}))["deleteActivity"] == mine
