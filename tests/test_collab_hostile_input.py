"""Hostile input never reaches the database as a crash: out-of-range ids, NUL bytes, cursors."""

from __future__ import annotations

import base64
import json

from tests.collab_factories import Company, Users, gid

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
