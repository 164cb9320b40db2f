"""Tasks through the API: visibility on every path, fields, checklist, tags, subtasks, filters."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from models import Event, SessionFactory, Task
from tests.client import GraphQLClient
from tests.collaboration.factories import Company, Users, gid

CREATE = """
mutation($input: TaskInput!) {
  createTask(input: $input) {
    id title status priority deadline overdue tags requireApproval
    creator { name } responsible { name } accomplices { name } auditors { name }
    parent { id }
  }
}"""
NODE = "query($id: ID!) { node(id: $id) { ... on Task { title } } }"
TASKS = """
query($filter: TaskFilter) {
  tasks(first: 50, filter: $filter) { totalCount edges { node { title } } }
}"""


async def create_task(client: GraphQLClient, **input: Any) -> dict[str, Any]:
    data = await client.data(CREATE, {"input": {"title": "A task", **input}})
    task: dict[str, Any] = data["createTask"]
    return task


async def titles(client: GraphQLClient, **filter: Any) -> tuple[int, list[str]]:
    data = await client.data(TASKS, {"filter": filter})
    edges = data["tasks"]["edges"]
    return data["tasks"]["totalCount"], [edge["node"]["title"] for edge in edges]


async def test_created_task_shows_its_participants(company: Company, users: Users) -> None:
    task = await create_task(
        await users(company.mia),
        title="  Prepare the offer ",
        responsibleId=gid("User", company.nina.id),
        accomplicesIds=[gid("User", company.sam.id)],
        auditorIds=[gid("User", company.max.id)],
        tags=["Offer", "q4", "offer"],
        priority="HIGH",
        deadline="2020-01-01T10:00:00+00:00",
    )
    assert task["title"] == "Prepare the offer"
    assert task["status"] == "NEW"
    assert task["priority"] == "HIGH"
    assert task["overdue"] is True
    assert task["tags"] == ["offer", "q4"]
    assert task["creator"] == {"name": "Mia Member"}
    assert task["responsible"] == {"name": "Nina North"}
    assert task["accomplices"] == [{"name": "Sam South"}]
    assert task["auditors"] == [{"name": "Max Marketer"}]


async def test_a_task_is_seen_by_its_parts_their_heads_and_admins_only(
    company: Company, users: Users
) -> None:
    task = await create_task(
        await users(company.mia),
        title="Shared",
        responsibleId=gid("User", company.nina.id),
        accomplicesIds=[gid("User", company.sam.id)],
        auditorIds=[gid("User", company.max.id)],
    )
    # Mara heads Marketing, the auditor's department; Hugo heads Sales above North and South.
    for user in (company.mia, company.nina, company.sam, company.max, company.hugo, company.mara):
        client = await users(user)
        assert await titles(client) == (1, ["Shared"]), user.name
        assert (await client.data(NODE, {"id": task["id"]}))["node"] == {"title": "Shared"}
    assert await titles(await users(company.ada)) == (1, ["Shared"])
    outsider = await users(company.owen)
    assert await titles(outsider) == (0, [])
    response = await outsider.request(NODE, {"id": task["id"]})
    assert response.is_null()


async def test_a_head_sees_the_subtree_not_a_sibling_department(
    company: Company, users: Users
) -> None:
    await create_task(await users(company.owen), title="Marketing only")
    assert await titles(await users(company.mara)) == (1, ["Marketing only"])
    assert await titles(await users(company.hugo)) == (0, [])


async def test_subtasks_and_parent_follow_visibility(company: Company, users: Users) -> None:
    mia = await users(company.mia)
    parent = await create_task(mia, title="Parent", responsibleId=gid("User", company.nina.id))
    await create_task(mia, title="Mia's own step", parentId=parent["id"])
    shared = await create_task(
        mia,
        title="Nina helps",
        parentId=parent["id"],
        accomplicesIds=[gid("User", company.nina.id)],
    )
    assert shared["parent"] == {"id": parent["id"]}
    query = "query($id: ID!) { node(id: $id) { ... on Task { subtasks { title } } } }"
    as_mia = await mia.data(query, {"id": parent["id"]})
    assert [t["title"] for t in as_mia["node"]["subtasks"]] == ["Mia's own step", "Nina helps"]
    as_nina = await (await users(company.nina)).data(query, {"id": parent["id"]})
    assert as_nina["node"]["subtasks"] == [{"title": "Nina helps"}]
    assert (await titles(mia, parentId=parent["id"]))[0] == 2
    refused = await (await users(company.owen)).request(
        CREATE, {"input": {"title": "Sneaky", "parentId": parent["id"]}}
    )
    assert refused.code == "NOT_FOUND"
    assert refused.error_field == "parentId"


async def test_a_task_cannot_become_its_own_ancestor(company: Company, users: Users) -> None:
    mia = await users(company.mia)
    top = await create_task(mia, title="Top")
    below = await create_task(mia, title="Below", parentId=top["id"])
    response = await mia.request(
        "mutation($id: ID!, $p: ID) { updateTask(id: $id, input: {parentId: $p}) { id } }",
        {"id": top["id"], "p": below["id"]},
    )
    assert response.code == "BAD_USER_INPUT"
    assert response.error_field == "parentId"


async def test_checklist_add_toggle_reorder_remove(company: Company, users: Users) -> None:
    mia = await users(company.mia)
    task = await create_task(mia, responsibleId=gid("User", company.nina.id))
    add = "mutation($t: ID!, $s: String!) { addChecklistItem(taskId: $t, title: $s) { id done } }"
    nina = await users(company.nina)
    ids = [
        (await nina.data(add, {"t": task["id"], "s": title}))["addChecklistItem"]["id"]
        for title in "abc"
    ]
    toggled = await nina.data(
        "mutation($id: ID!) { toggleChecklistItem(id: $id) { done } }", {"id": ids[1]}
    )
    assert toggled["toggleChecklistItem"]["done"] is True
    reordered = await mia.data(
        "mutation($t: ID!, $i: [ID!]!) { reorderChecklist(taskId: $t, itemIds: $i) "
        "{ checklist { title done position } } }",
        {"t": task["id"], "i": [ids[2], ids[0], ids[1]]},
    )
    assert reordered["reorderChecklist"]["checklist"] == [
        {"title": "c", "done": False, "position": 1},
        {"title": "a", "done": False, "position": 2},
        {"title": "b", "done": True, "position": 3},
    ]
    incomplete = await mia.request(
        "mutation($t: ID!, $i: [ID!]!) { reorderChecklist(taskId: $t, itemIds: $i) { id } }",
        {"t": task["id"], "i": [ids[0]]},
    )
    assert incomplete.error_field == "itemIds"
    await mia.data("mutation($id: ID!) { removeChecklistItem(id: $id) }", {"id": ids[0]})
    after = await mia.data(
        "query($id: ID!) { node(id: $id) { ... on Task { checklist { title } } } }",
        {"id": task["id"]},
    )
    assert after["node"]["checklist"] == [{"title": "c"}, {"title": "b"}]


async def test_auditors_may_not_touch_the_checklist_and_outsiders_see_nothing(
    company: Company, users: Users
) -> None:
    task = await create_task(await users(company.mia), auditorIds=[gid("User", company.max.id)])
    add = 'mutation($t: ID!) { addChecklistItem(taskId: $t, title: "x") { id } }'
    assert (await (await users(company.max)).request(add, {"t": task["id"]})).code == "FORBIDDEN"
    assert (await (await users(company.owen)).request(add, {"t": task["id"]})).code == "NOT_FOUND"
    item = (await (await users(company.mia)).data(add, {"t": task["id"]}))["addChecklistItem"]
    toggle = "mutation($id: ID!) { toggleChecklistItem(id: $id) { done } }"
    assert (await (await users(company.max)).request(toggle, item)).code == "FORBIDDEN"
    hidden = await (await users(company.owen)).request(toggle, item)
    assert (hidden.code, hidden.error_field) == ("NOT_FOUND", "id")
    assert "task" not in hidden.errors[0]["message"].lower()


async def test_only_creator_heads_and_admins_edit(company: Company, users: Users) -> None:
    task = await create_task(await users(company.mia), responsibleId=gid("User", company.nina.id))
    edit = "mutation($id: ID!, $t: String) { updateTask(id: $id, input: {title: $t}) { title } }"
    refused = await (await users(company.nina)).request(edit, {"id": task["id"], "t": "Mine"})
    assert refused.code == "FORBIDDEN"
    edited = await (await users(company.hugo)).data(edit, {"id": task["id"], "t": "Renamed"})
    assert edited["updateTask"]["title"] == "Renamed"
    null_title = await (await users(company.mia)).request(edit, {"id": task["id"], "t": None})
    assert null_title.error_field == "title"


async def test_update_replaces_participants_tags_and_deadline(
    company: Company, users: Users
) -> None:
    mia = await users(company.mia)
    task = await create_task(mia, tags=["a"], deadline="2999-01-01T00:00:00Z")
    data = await mia.data(
        """mutation($id: ID!, $input: TaskPatch!) { updateTask(id: $id, input: $input) {
             tags deadline overdue responsible { name }
             accomplices { name } auditors { name } } }""",
        {
            "id": task["id"],
            "input": {
                "tags": ["b"],
                "deadline": None,
                "responsibleId": gid("User", company.sam.id),
                "accomplicesIds": [gid("User", company.nina.id)],
                "auditorIds": [gid("User", company.max.id), gid("User", company.owen.id)],
            },
        },
    )
    assert data["updateTask"] == {
        "tags": ["b"],
        "deadline": None,
        "overdue": False,
        "responsible": {"name": "Sam South"},
        "accomplices": [{"name": "Nina North"}],
        "auditors": [{"name": "Max Marketer"}, {"name": "Owen Outsider"}],
    }


async def test_filters_by_part_status_overdue_deadline_and_tag(
    company: Company, users: Users
) -> None:
    mia = await users(company.mia)
    nina_id = gid("User", company.nina.id)
    await create_task(mia, title="mine late", deadline="2020-01-01T00:00:00Z", tags=["x"])
    await create_task(mia, title="for nina", responsibleId=nina_id, deadline="2999-01-01T00:00:00Z")
    await create_task(mia, title="nina helps", accomplicesIds=[nina_id], tags=["x"])
    await create_task(mia, title="nina watches", auditorIds=[nina_id])
    nina = await users(company.nina)
    assert await titles(nina, role=["RESPONSIBLE"]) == (1, ["for nina"])
    assert await titles(nina, role=["ACCOMPLICE"]) == (1, ["nina helps"])
    assert await titles(nina, role=["AUDITOR"]) == (1, ["nina watches"])
    assert (await titles(nina, role=["CREATOR"]))[0] == 0
    assert (await titles(mia, role=["CREATOR"]))[0] == 4
    assert await titles(mia, overdue=True) == (1, ["mine late"])
    assert (await titles(mia, overdue=False))[0] == 3
    assert await titles(mia, tag="X") == (2, ["nina helps", "mine late"])
    window = {"deadlineFrom": "2021-01-01T00:00:00Z", "deadlineTo": "3000-01-01T00:00:00Z"}
    assert await titles(mia, **window) == (1, ["for nina"])
    assert (await titles(mia, status=["NEW"]))[0] == 4
    assert (await titles(mia, status=["COMPLETED"]))[0] == 0


async def test_ordering_by_deadline_puts_tasks_without_one_last(
    company: Company, users: Users
) -> None:
    mia = await users(company.mia)
    await create_task(mia, title="none")
    await create_task(mia, title="later", deadline="2030-01-01T00:00:00Z")
    await create_task(mia, title="sooner", deadline="2029-01-01T00:00:00Z")
    query = """query($after: String) { tasks(first: 2, after: $after,
                 orderBy: [{field: DEADLINE, direction: ASC}]) {
                 pageInfo { endCursor hasNextPage } edges { node { title } } } }"""
    first = (await mia.data(query))["tasks"]
    assert [e["node"]["title"] for e in first["edges"]] == ["sooner", "later"]
    rest = (await mia.data(query, {"after": first["pageInfo"]["endCursor"]}))["tasks"]
    assert [e["node"]["title"] for e in rest["edges"]] == ["none"]
    assert rest["pageInfo"]["hasNextPage"] is False


async def test_comments_on_a_task_follow_its_visibility(company: Company, users: Users) -> None:
    task = await create_task(await users(company.mia), auditorIds=[gid("User", company.max.id)])
    add = """mutation($t: ID!, $b: String!) { addTaskComment(taskId: $t, body: $b) {
               id body author { name } task { id } } }"""
    comment = (await (await users(company.max)).data(add, {"t": task["id"], "b": "Looks good"}))[
        "addTaskComment"
    ]
    assert comment["author"] == {"name": "Max Marketer"}
    assert comment["task"] == {"id": task["id"]}
    outsider = await users(company.owen)
    assert (await outsider.request(add, {"t": task["id"], "b": "hi"})).code == "NOT_FOUND"
    node = "query($id: ID!) { node(id: $id) { ... on Comment { body } } }"
    assert (await outsider.request(node, {"id": comment["id"]})).is_null()
    listed = await (await users(company.mia)).data(
        "query($id: ID!) { node(id: $id) { ... on Task { comments { body } } } }",
        {"id": task["id"]},
    )
    assert listed["node"]["comments"] == [{"body": "Looks good"}]


async def test_delete_by_creator_only(company: Company, users: Users) -> None:
    task = await create_task(await users(company.mia), responsibleId=gid("User", company.nina.id))
    delete = "mutation($id: ID!) { deleteTask(id: $id) }"
    assert (await (await users(company.nina)).request(delete, {"id": task["id"]})).code == (
        "FORBIDDEN"
    )
    mia = await users(company.mia)
    assert (await mia.data(delete, {"id": task["id"]}))["deleteTask"] == task["id"]
    assert (await mia.request(NODE, {"id": task["id"]})).is_null()


async def _nothing_written(session_factory: SessionFactory) -> None:
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Task)) == 0
        assert await session.scalar(select(func.count()).select_from(Event)) == 0


async def test_bad_input_names_the_field_and_writes_nothing(
    company: Company, users: Users, session_factory: SessionFactory
) -> None:
    mia = await users(company.mia)
    nobody = gid("User", 999_999)
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"title": "   "}, "BAD_USER_INPUT", "title"),
        ({"title": "x" * 256}, "BAD_USER_INPUT", "title"),
        ({"title": "t", "description": "d" * 20_001}, "BAD_USER_INPUT", "description"),
        ({"title": "t", "responsibleId": nobody}, "NOT_FOUND", "responsibleId"),
        ({"title": "t", "responsibleId": gid("Department", 1)}, "BAD_USER_INPUT", "responsibleId"),
        ({"title": "t", "responsibleId": "not-an-id!"}, "BAD_USER_INPUT", "responsibleId"),
        ({"title": "t", "accomplicesIds": [nobody]}, "NOT_FOUND", "accomplicesIds"),
        ({"title": "t", "auditorIds": [gid("Task", 1)]}, "BAD_USER_INPUT", "auditorIds"),
        ({"title": "t", "parentId": gid("Task", 999_999)}, "NOT_FOUND", "parentId"),
        ({"title": "t", "deadline": "2026-12-01T10:00:00"}, "BAD_USER_INPUT", "deadline"),
        ({"title": "t", "tags": [""]}, "BAD_USER_INPUT", "tags"),
        ({"title": "t", "tags": ["t" * 101]}, "BAD_USER_INPUT", "tags"),
    ]
    for input, code, field in cases:
        response = await mia.request(CREATE, {"input": input})
        assert (response.code, response.error_field) == (code, field), input
    await _nothing_written(session_factory)
