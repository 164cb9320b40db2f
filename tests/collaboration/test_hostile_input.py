"""Bad and hostile input: an error naming the field, never a driver crash, nothing written."""

from __future__ import annotations

import base64
import json

from models import SessionFactory
from tests.collaboration.factories import Company, Users, events, gid

HUGE = 2**70


async def test_out_of_range_ids_are_bad_input(company: Company, users: Users) -> None:
    mia = await users(company.mia)
    for query, variables, field in [
        ("query($id: ID!) { node(id: $id) { id } }", {"id": gid("Task", HUGE)}, "id"),
        (
            'mutation($r: ID) { createTask(input: {title: "t", responsibleId: $r}) { id } }',
            {"r": gid("User", HUGE)},
            "responsibleId",
        ),
        (
            "mutation($p: ID!) { likePost(postId: $p) { id } }",
            {"p": gid("Post", -(2**64))},
            "postId",
        ),
    ]:
        response = await mia.request(query, variables)
        assert (response.code, response.error_field) == ("BAD_USER_INPUT", field), query


async def test_nul_bytes_are_bad_input(company: Company, users: Users) -> None:
    mia = await users(company.mia)
    response = await mia.request(
        "mutation($b: String!) { createPost(input: {body: $b, recipients: [{kind: ALL}]}) { id } }",
        {"b": "a\u0000b"},
    )
    assert (response.code, response.error_field) == ("BAD_USER_INPUT", "body")


async def test_out_of_range_cursor_values_are_bad_input(company: Company, users: Users) -> None:
    mia = await users(company.mia)
    for value in (HUGE, 2**63):
        cursor = base64.urlsafe_b64encode(json.dumps([value]).encode()).decode()
        response = await mia.request(
            "query($a: String) { feed(after: $a) { totalCount } }", {"a": cursor}
        )
        assert (response.code, response.error_field) == ("BAD_USER_INPUT", "after")


async def test_deadlines_beyond_the_calendar_are_bad_input(company: Company, users: Users) -> None:
    mia = await users(company.mia)
    create = await mia.request(
        'mutation { createTask(input: {title: "t", deadline: "9999-12-31T23:00:00-05:00"}) { id } }'
    )
    assert (create.code, create.error_field) == ("BAD_USER_INPUT", "deadline")
    listed = await mia.request(
        '{ tasks(filter: {deadlineFrom: "0001-01-01T00:00:00+05:00"}) { totalCount } }'
    )
    assert (listed.code, listed.error_field) == ("BAD_USER_INPUT", "deadlineFrom")


async def test_bad_comment_checklist_and_inbox_input_names_the_field_and_writes_nothing(
    company: Company, users: Users, session_factory: SessionFactory
) -> None:
    mia = await users(company.mia)
    post = await mia.data(
        'mutation { createPost(input: {body: "p", recipients: [{kind: ALL}]}) { id } }'
    )
    task = await mia.data('mutation { createTask(input: {title: "t"}) { id } }')
    before = len(await events(session_factory))
    post_id, task_id = post["createPost"]["id"], task["createTask"]["id"]
    cases = [
        ('mutation($p: ID!) { addComment(postId: $p, body: "  ") { id } }', {"p": post_id}, "body"),
        (
            "mutation($t: ID!, $b: String!) { addTaskComment(taskId: $t, body: $b) { id } }",
            {"t": task_id, "b": "b" * 10_001},
            "body",
        ),
        (
            'mutation($t: ID!) { addTaskComment(taskId: $t, body: "x") { id } }',
            {"t": post_id},
            "taskId",
        ),
        (
            'mutation($t: ID!) { addChecklistItem(taskId: $t, title: "") { id } }',
            {"t": task_id},
            "title",
        ),
        ("mutation($id: ID!) { toggleChecklistItem(id: $id) { id } }", {"id": task_id}, "id"),
        ("mutation($ids: [ID!]) { markNotificationsRead(ids: $ids) }", {"ids": [post_id]}, "ids"),
        ("mutation($id: ID!) { startTask(id: $id) { id } }", {"id": gid("Task", 999_999)}, "id"),
    ]
    for query, variables, field in cases:
        response = await mia.request(query, variables)
        assert response.code in {"BAD_USER_INPUT", "NOT_FOUND"}, query
        assert response.error_field == field, query
    assert len(await events(session_factory)) == before
