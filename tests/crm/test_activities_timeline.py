"""Activities on several records, their life cycle, and what timelines show."""

from __future__ import annotations

from tests.client import GraphQLClient
from tests.crm.api import CREATE_CONTACT, CREATE_DEAL, create

ADD = """mutation($input: ActivityInput!) { addActivity(input: $input) {
  id kind subject direction startAt endAt completed completedAt
  owners { __typename ... on Deal { title } ... on Contact { name } } } }"""
UPDATE = """mutation($id: ID!, $input: ActivityPatch!) { updateActivity(id: $id, input: $input) {
  subject description endAt completed } }"""
COMMENT = """mutation($id: ID!, $body: String!) {
  addTimelineComment(recordId: $id, body: $body) { kind } }"""
TIMELINE = """query($id: ID!, $first: Int, $after: String) { node(id: $id) { ... on Deal {
  timeline(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
    edges { node { kind body author { name } activity { subject } } } } } } }"""


async def test_activity_life_cycle_on_two_records(member: GraphQLClient) -> None:
    deal = await create(member, CREATE_DEAL, title="Big deal")
    contact = await create(member, CREATE_CONTACT, firstName="Ann")
    meeting = (
        await member.data(
            ADD,
            {
                "input": {
                    "kind": "MEETING",
                    "subject": "Kick-off",
                    "ownerIds": [deal["id"], contact["id"]],
                    "startAt": "2026-12-01T10:00:00+03:00",
                    "endAt": "2026-12-01T11:00:00Z",
                }
            },
        )
    )["addActivity"]
    assert meeting["startAt"] == "2026-12-01T07:00:00+00:00"
    assert meeting["completed"] is False and meeting["completedAt"] is None
    assert meeting["owners"] == [
        {"__typename": "Contact", "name": "Ann"},
        {"__typename": "Deal", "title": "Big deal"},
    ]

    updated = (
        await member.data(
            UPDATE, {"id": meeting["id"], "input": {"description": "Agenda", "endAt": None}}
        )
    )["updateActivity"]
    assert updated == {
        "subject": "Kick-off",
        "description": "Agenda",
        "endAt": None,
        "completed": False,
    }
    backwards = await member.request(
        UPDATE, {"id": meeting["id"], "input": {"endAt": "2026-11-30T00:00:00Z"}}
    )
    assert (backwards.code, backwards.error_field) == ("BAD_USER_INPUT", "endAt")

    done = (
        await member.data(
            "mutation($id: ID!) { completeActivity(id: $id) { completed completedAt } }",
            {"id": meeting["id"]},
        )
    )["completeActivity"]
    assert done["completed"] is True and done["completedAt"] is not None

    listed = await member.data(
        """query($owner: ID) { activities(ownerId: $owner, filter: {completed: true}) {
             totalCount edges { node { subject } } } }""",
        {"owner": contact["id"]},
    )
    assert listed["activities"]["totalCount"] == 1

    await member.data("mutation($id: ID!) { deleteActivity(id: $id) }", {"id": meeting["id"]})
    timeline = (await member.data(TIMELINE, {"id": deal["id"]}))["node"]["timeline"]
    assert timeline["totalCount"] == 0  # the activity's timeline entries went with it


async def test_timeline_comments_newest_first_paginated(member: GraphQLClient) -> None:
    deal = await create(member, CREATE_DEAL, title="Chatty")
    for number in range(5):
        await member.data(
            COMMENT,
            {"id": deal["id"], "body": f"Comment {number}"},
        )
    first = (await member.data(TIMELINE, {"id": deal["id"], "first": 3}))["node"]["timeline"]
    assert first["totalCount"] == 5
    assert [e["node"]["body"] for e in first["edges"]] == ["Comment 4", "Comment 3", "Comment 2"]
    assert {e["node"]["author"]["name"] for e in first["edges"]} == {"Mia Member"}
    rest = (
        await member.data(
            TIMELINE, {"id": deal["id"], "first": 3, "after": first["pageInfo"]["endCursor"]}
        )
    )["node"]["timeline"]
    assert [e["node"]["body"] for e in rest["edges"]] == ["Comment 1", "Comment 0"]

    not_a_record = await member.request(
        'mutation($id: ID!) { addTimelineComment(recordId: $id, body: "x") { kind } }',
        {"id": (await member.data("{ viewer { id } }"))["viewer"]["id"]},
    )
    assert (not_a_record.code, not_a_record.error_field) == ("BAD_USER_INPUT", "recordId")
    empty = await member.request(
        'mutation($id: ID!) { addTimelineComment(recordId: $id, body: "  ") { kind } }',
        {"id": deal["id"]},
    )
    assert (empty.code, empty.error_field) == ("BAD_USER_INPUT", "body")
