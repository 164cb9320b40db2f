"""Department heads see the tasks of their people and of the departments below, not every
task of the company: through lists, `node`, comments, the feed and a CRM record's tasks."""

from __future__ import annotations

from tests.leaks.conftest import LogIn

CREATE_TASK = """mutation($input: TaskInput!) { createTask(input: $input) { id } }"""
TASK = """query($id: ID!) { node(id: $id) { ... on Task { title
  comments { body } checklist { title } } } }"""
COUNTS = "{ tasks { totalCount } feed(kinds: [TASK_CREATED]) { totalCount } }"
OWN_OPENED_DEAL = """{ viewer { id }
  deals(first: 1, filter: {opened: true}) { edges { node { id } } } }"""
DEAL_TASKS = "query($id: ID!) { node(id: $id) { ... on Deal { tasks { id } } } }"


async def test_a_head_of_another_department_does_not_see_a_task(demo: LogIn) -> None:
    anna = await demo("anna.morozova@example.com")  # head of Marketing
    pavel = await demo("pavel.sokolov@example.com")  # head of Sales North, reads opened deals
    olga = await demo("olga.popova@example.com")  # head of Sales South, Sergey's department
    irina = await demo("irina.volkova@example.com")  # head of Sales, above Sales South
    admin = await demo("admin@example.com")
    anna_before = await anna.data(COUNTS)

    sergey = await demo("sergey.lebedev@example.com")
    mine = await sergey.data(OWN_OPENED_DEAL)
    (deal,) = [edge["node"]["id"] for edge in mine["deals"]["edges"]]
    task_id = (
        await sergey.data(
            CREATE_TASK, {"input": {"title": "Sergey's own reminder", "crmItemIds": [deal]}}
        )
    )["createTask"]["id"]

    assert (await anna.request(TASK, {"id": task_id})).is_null()
    comment = await anna.request(
        'mutation($id: ID!) { addTaskComment(taskId: $id, body: "hi") { id } }', {"id": task_id}
    )
    assert comment.code == "NOT_FOUND"
    assert await anna.data(COUNTS) == anna_before
    assert (await pavel.data(DEAL_TASKS, {"id": deal}))["node"]["tasks"] == []
    for head in (olga, irina):
        assert (await head.data(TASK, {"id": task_id}))["node"]["title"] == "Sergey's own reminder"
        assert {"id": task_id} in (await head.data(DEAL_TASKS, {"id": deal}))["node"]["tasks"]

    everything = (await admin.data(COUNTS))["tasks"]["totalCount"]
    for head in (anna, pavel, olga, irina):
        assert (await head.data(COUNTS))["tasks"]["totalCount"] < everything
