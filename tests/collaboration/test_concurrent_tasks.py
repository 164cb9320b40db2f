"""Concurrent changes to one task: status moves and checklist numbering stay consistent."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.client import GraphQLClient, Response
from tests.collaboration.factories import Company, Users, gid

TASK = """mutation($input: TaskInput!) { createTask(input: $input) { id status } }"""
ADD_ITEM = "mutation($t: ID!, $s: String!) { addChecklistItem(taskId: $t, title: $s) { id } }"
CHECKLIST = "query($id: ID!) { node(id: $id) { ... on Task { checklist { title position } } } }"
STATUS = "query($id: ID!) { node(id: $id) { ... on Task { status } } }"
MOVES = """{ feed(first: 50, kinds: [TASK_STATUS_CHANGED, TASK_COMPLETED]) {
  edges { node { changes } } } }"""


async def _new_task(admin: GraphQLClient, company: Company) -> str:
    data = await admin.data(
        TASK, {"input": {"title": "Contested", "responsibleId": gid("User", company.nina.id)}}
    )
    task_id: str = data["createTask"]["id"]
    return task_id


def _verb(name: str) -> str:
    return f"mutation($id: ID!) {{ {name}(id: $id) {{ status }} }}"


async def _all_at_once(
    client: GraphQLClient, calls: list[tuple[str, dict[str, Any]]]
) -> list[Response]:
    return list(await asyncio.gather(*(client.request(doc, v) for doc, v in calls)))


def _outcomes(answers: list[Response]) -> list[str]:
    return sorted(answer.codes[0] if answer.errors else "OK" for answer in answers)


async def test_one_of_six_simultaneous_completions_wins(company: Company, users: Users) -> None:
    admin = await users(company.ada)
    task = await _new_task(admin, company)
    answers = await _all_at_once(admin, [(_verb("completeTask"), {"id": task})] * 6)
    assert _outcomes(answers) == ["CONFLICT"] * 5 + ["OK"]
    moves = [
        edge["node"]["changes"]["status"] for edge in (await admin.data(MOVES))["feed"]["edges"]
    ]
    assert moves == [["NEW", "COMPLETED"]]


async def test_simultaneous_status_changes_record_one_chain(company: Company, users: Users) -> None:
    admin = await users(company.ada)
    task = await _new_task(admin, company)
    verbs = ["startTask", "completeTask", "deferTask"] * 2
    answers = await _all_at_once(admin, [(_verb(verb), {"id": task}) for verb in verbs])
    assert set(_outcomes(answers)) <= {"OK", "CONFLICT"}
    moves = [
        edge["node"]["changes"]["status"] for edge in (await admin.data(MOVES))["feed"]["edges"]
    ]
    moves.reverse()  # the feed is newest first
    assert len(moves) == _outcomes(answers).count("OK")
    # Each recorded move starts where the previous one ended, from NEW to the final status.
    assert [old for old, _ in moves] == ["NEW"] + [new for _, new in moves[:-1]]
    final = (await admin.data(STATUS, {"id": task}))["node"]["status"]
    assert moves[-1][1] == final


async def test_simultaneous_checklist_items_get_consecutive_positions(
    company: Company, users: Users
) -> None:
    admin = await users(company.ada)
    task = await _new_task(admin, company)
    titles = [f"step {index}" for index in range(6)]
    answers = await _all_at_once(admin, [(ADD_ITEM, {"t": task, "s": title}) for title in titles])
    assert _outcomes(answers) == ["OK"] * 6
    checklist = (await admin.data(CHECKLIST, {"id": task}))["node"]["checklist"]
    assert sorted(item["position"] for item in checklist) == [1, 2, 3, 4, 5, 6]
    assert sorted(item["title"] for item in checklist) == titles
