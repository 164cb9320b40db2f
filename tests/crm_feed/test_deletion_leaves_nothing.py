"""Deleting a record takes with it everything that named it (task links, notifications,
timeline, comments, likes, activity bindings), and its id is never handed out again: a new
record never inherits the feed entries, links or notifications of a deleted one."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from models import Notification, SessionFactory, TaskCrmLink
from models.crm import ActivityBinding, TimelineEntry
from schema.relay import decode_any_id
from tests.client import GraphQLClient
from tests.collaboration.factories import Company, Users, gid
from tests.crm_feed.world import World, sales_world

CRM_KINDS = {
    "LEAD": ("Lead", "createLead", "LeadInput", "deleteLead", {"title": "R"}),
    "CONTACT": ("Contact", "createContact", "ContactInput", "deleteContact", {"lastName": "R"}),
    "COMPANY": ("Company", "createCompany", "CompanyInput", "deleteCompany", {"title": "R"}),
    "DEAL": ("Deal", "createDeal", "DealInput", "deleteDeal", {"title": "R"}),
}
TASK = "mutation($input: TaskInput!) { createTask(input: $input) { id } }"
TASK_LINKS = "query($id: ID!) { node(id: $id) { ... on Task { crmItems { __typename } } } }"
TIMELINE_NOTE = (
    """mutation($id: ID!) { addTimelineComment(recordId: $id, body: "about R1") { id } }"""
)
ACTIVITY = """mutation($owner: ID!) {
  addActivity(input: {kind: CALL, subject: "call", ownerIds: [$owner]}) { id }
}"""
FEED_TEXT = "query { feed(first: 100) { edges { node { kind changes } } } }"
POST = """mutation($to: [RecipientInput!]!) {
  createPost(input: {body: "b", title: "confidential", recipients: $to}) { id }
}"""
COMMENT = "mutation($post: ID!, $body: String!) { addComment(postId: $post, body: $body) { id } }"


def _pk(global_id: str) -> int:
    return decode_any_id(global_id, "id")[1]


async def _no_rows_name(
    session_factory: SessionFactory, subject_type: str, subject_id: int
) -> None:
    async with session_factory() as session:
        told = await session.scalars(
            select(Notification.id).where(
                Notification.subject_type == subject_type, Notification.subject_id == subject_id
            )
        )
        assert list(told) == [], f"notifications about {subject_type} {subject_id}"
        if subject_type in CRM_KINDS:
            links = await session.scalars(
                select(TaskCrmLink.task_id).where(
                    TaskCrmLink.entity_type == subject_type, TaskCrmLink.entity_id == subject_id
                )
            )
            assert list(links) == []
            named = [
                (TimelineEntry.entity_type, TimelineEntry.entity_id),
                (ActivityBinding.entity_type, ActivityBinding.entity_id),
            ]
            for type_column, id_column in named:
                rows = await session.execute(
                    select(id_column).where(type_column == subject_type, id_column == subject_id)
                )
                assert rows.all() == []


async def _feed_texts(client: GraphQLClient) -> str:
    return repr(await client.data(FEED_TEXT))


@pytest.mark.parametrize("kind", list(CRM_KINDS))
async def test_a_deleted_crm_record_leaves_nothing_for_the_next_one(
    kind: str, company: Company, users: Users, session_factory: SessionFactory
) -> None:
    world = await sales_world(company, users)
    type_name, create, input_type, delete, fields = CRM_KINDS[kind]
    create_query = f"mutation($input: {input_type}!) {{ {create}(input: $input) {{ id }} }}"

    async def make(responsible: int) -> str:
        data = {**fields, "assignedToId": gid("User", responsible)}
        record_id: str = (await world.ada.data(create_query, {"input": data}))[create]["id"]
        return record_id

    first = await make(company.nina.id)  # Nina is told it is hers
    task_input = {"title": "About R1", "crmItemIds": [first]}
    task = (await world.ada.data(TASK, {"input": task_input}))["createTask"]["id"]
    await world.ada.data(TIMELINE_NOTE, {"id": first})
    await world.ada.data(ACTIVITY, {"owner": first})
    await world.ada.data(f"mutation($id: ID!) {{ {delete}(id: $id) }}", {"id": first})
    second = await make(company.nina.id)

    assert _pk(second) != _pk(first)
    linked = await world.ada.data(TASK_LINKS, {"id": task})
    assert linked["node"]["crmItems"] == []
    shown = await world.ada.data(
        f"query($id: ID!) {{ node(id: $id) {{ ... on {type_name} {{ tasks {{ id }} "
        "timeline(first: 50) { edges { node { body } } } } } }",
        {"id": second},
    )
    assert shown["node"]["tasks"] == []
    assert "about R1" not in repr(shown)
    await _no_rows_name(session_factory, kind, _pk(first))


async def test_a_deleted_post_takes_its_comments_likes_and_notices(
    company: Company, users: Users, session_factory: SessionFactory
) -> None:
    world = await sales_world(company, users)
    to_nina = [{"kind": "USER", "id": gid("User", company.nina.id)}]
    post = (await world.ada.data(POST, {"to": to_nina}))["createPost"]["id"]
    comment = (await world.nina.data(COMMENT, {"post": post, "body": "reply"}))["addComment"]
    await world.nina.data("mutation($id: ID!) { likePost(postId: $id) { id } }", {"id": post})
    await world.ada.data("mutation($id: ID!) { deletePost(id: $id) }", {"id": post})
    to_owen = [{"kind": "USER", "id": gid("User", company.owen.id)}]
    again = (await world.ada.data(POST, {"to": to_owen}))["createPost"]["id"]
    await world.ada.data(COMMENT, {"post": again, "body": "hello Owen"})

    assert _pk(again) != _pk(post)
    # Nina was never addressed by the new post: nothing of it reaches her.
    assert "confidential" not in await _feed_texts(world.nina)
    shown = await world.owen.data(
        "query($id: ID!) { node(id: $id) { ... on Post { likeCount commentCount } } }",
        {"id": again},
    )
    assert shown["node"] == {"likeCount": 0, "commentCount": 1}
    await _no_rows_name(session_factory, "POST", _pk(post))
    await _no_rows_name(session_factory, "COMMENT", _pk(comment["id"]))


async def test_a_deleted_comment_takes_its_text_and_notices(
    company: Company, users: Users, session_factory: SessionFactory
) -> None:
    world = await sales_world(company, users)
    post = (await world.ada.data(POST, {"to": [{"kind": "ALL"}]}))["createPost"]["id"]
    said = await world.nina.data(COMMENT, {"post": post, "body": "take this back"})
    first = said["addComment"]["id"]
    await world.nina.data("mutation($id: ID!) { deleteComment(id: $id) }", {"id": first})
    second = (await world.nina.data(COMMENT, {"post": post, "body": "fine"}))["addComment"]["id"]

    assert _pk(second) != _pk(first)
    assert "take this back" not in await _feed_texts(world.ada)
    assert "take this back" not in await _feed_texts(world.owen)
    await _no_rows_name(session_factory, "COMMENT", _pk(first))


async def test_a_deleted_task_takes_its_links_comments_and_notices(
    company: Company, users: Users, session_factory: SessionFactory
) -> None:
    world = await sales_world(company, users)
    deal = (
        await world.ada.data(
            'mutation { createDeal(input: {title: "D"}) { id } }',
        )
    )["createDeal"]["id"]
    nina = gid("User", company.nina.id)
    task_input: dict[str, Any] = {"title": "Secret", "responsibleId": nina, "crmItemIds": [deal]}
    task = (await world.ada.data(TASK, {"input": task_input}))["createTask"]["id"]
    comment = await world.nina.data(
        'mutation($id: ID!) { addTaskComment(taskId: $id, body: "on it") { id } }', {"id": task}
    )
    await world.ada.data("mutation($id: ID!) { deleteTask(id: $id) }", {"id": task})
    again = (await world.ada.data(TASK, {"input": {"title": "Ada's own"}}))["createTask"]["id"]

    assert _pk(again) != _pk(task)
    assert "Secret" not in await _feed_texts(world.nina)
    shown = await world.ada.data(
        "query($id: ID!) { node(id: $id) { ... on Deal { tasks { id } } } }", {"id": deal}
    )
    assert shown["node"]["tasks"] == []
    await _no_rows_name(session_factory, "TASK", _pk(task))
    await _no_rows_name(session_factory, "COMMENT", _pk(comment["addTaskComment"]["id"]))


async def test_a_deleted_activity_leaves_its_records_timeline(
    company: Company, users: Users, session_factory: SessionFactory
) -> None:
    world: World = await sales_world(company, users)
    deal = (await world.ada.data('mutation { createDeal(input: {title: "D"}) { id } }'))[
        "createDeal"
    ]["id"]
    first = (await world.ada.data(ACTIVITY, {"owner": deal}))["addActivity"]["id"]
    await world.ada.data("mutation($id: ID!) { deleteActivity(id: $id) }", {"id": first})
    second = (await world.ada.data(ACTIVITY, {"owner": deal}))["addActivity"]["id"]

    assert _pk(second) != _pk(first)
    async with session_factory() as session:
        rows = await session.execute(
            select(TimelineEntry.id).where(TimelineEntry.activity_id == _pk(first))
        )
        assert rows.all() == []
        bound = await session.scalars(
            select(ActivityBinding.activity_id).where(ActivityBinding.activity_id == _pk(first))
        )
        assert list(bound) == []
