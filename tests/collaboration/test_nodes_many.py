"""nodes(ids:): many objects at once, in the order asked, null where node(id:) is null,
loaded in one batch per type; and not-found errors that name global IDs only."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette

from tests.client import GraphQLClient
from tests.collaboration.factories import Company, Users, gid
from tests.statements import count_statements

NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"
NODE = "query($id: ID!) { node(id: $id) { id } }"
PER_TYPE = 3


async def _ids(company: Company, users: Users) -> tuple[dict[str, list[str]], str]:
    """Ids Nina may see, by type (PER_TYPE of each), and one of Mia's she may not."""
    mia, nina = await users(company.mia), await users(company.nina)
    seen: dict[str, list[str]] = {"Task": [], "ChecklistItem": []}
    for index in range(PER_TYPE):
        task = await mia.data(
            "mutation($t: String!, $r: ID) { createTask(input: {title: $t, responsibleId: $r}) "
            "{ id } }",
            {"t": f"task {index}", "r": gid("User", company.nina.id)},
        )
        seen["Task"].append(task["createTask"]["id"])
        item = await mia.data(
            'mutation($t: ID!) { addChecklistItem(taskId: $t, title: "step") { id } }',
            {"t": task["createTask"]["id"]},
        )
        seen["ChecklistItem"].append(item["addChecklistItem"]["id"])
    await nina.data(
        'mutation($r: ID) { createTask(input: {title: "for Mia", responsibleId: $r}) { id } }',
        {"r": gid("User", company.mia.id)},
    )
    notifications = "{ notifications(first: 10) { edges { node { id } } } }"
    feed = "{ feed(first: 3) { edges { node { id } } } }"
    mine = await nina.data(notifications)
    seen["Notification"] = [edge["node"]["id"] for edge in mine["notifications"]["edges"]]
    seen["FeedEvent"] = [edge["node"]["id"] for edge in (await nina.data(feed))["feed"]["edges"]]
    seen["User"] = [gid("User", user.id) for user in (company.mia, company.sam, company.max)]
    assert all(len(ids) == PER_TYPE for ids in seen.values()), seen
    mias = (await mia.data(notifications))["notifications"]["edges"][0]["node"]["id"]
    return seen, mias


async def test_nodes_answers_in_the_order_asked_with_null_for_the_unknown_and_the_unseen(
    company: Company, users: Users
) -> None:
    seen, mias = await _ids(company, users)
    nina = await users(company.nina)
    unknown = gid("Task", 999_999)
    asked = [
        seen["User"][0],
        unknown,
        seen["Task"][1],
        mias,
        seen["FeedEvent"][0],
        seen["Task"][1],
        seen["ChecklistItem"][2],
        gid("Nothing", 1),
        seen["Notification"][0],
    ]
    found = (await nina.data(NODES, {"ids": asked}))["nodes"]
    expected = [
        None if node_id in (unknown, mias, gid("Nothing", 1)) else node_id for node_id in asked
    ]
    assert [node and node["id"] for node in found] == expected
    assert [node and node["__typename"] for node in found][:3] == ["User", None, "Task"]
    # Each answers as node(id:) does.
    for node_id, node in zip(asked, found, strict=True):
        alone = (await nina.data(NODE, {"id": node_id}))["node"]
        assert alone == (node and {"id": node["id"]}), node_id
    assert (await nina.data(NODES, {"ids": []}))["nodes"] == []


async def _statements(app: Starlette, client: GraphQLClient, ids: list[str]) -> int:
    with count_statements(app.state.engine) as log:
        found = (await client.data(NODES, {"ids": ids}))["nodes"]
    assert [node["id"] for node in found] == ids
    return log.count


async def test_nodes_costs_one_batch_per_type_however_many_ids(
    company: Company, users: Users, app: Starlette
) -> None:
    seen, _ = await _ids(company, users)
    nina = await users(company.nina)
    one_each = [ids[0] for ids in seen.values()]
    all_of_them = [node_id for ids in zip(*seen.values(), strict=True) for node_id in ids]
    assert len(all_of_them) == PER_TYPE * len(seen)
    assert await _statements(app, nina, all_of_them) == await _statements(app, nina, one_each)


@pytest.mark.parametrize(
    ("ids", "field"),
    [
        (["%%%"], "ids[0]"),
        ([gid("Task", 1), "not an id"], "ids[1]"),
        ([gid("Task", 1)] * 101, "ids"),
    ],
)
async def test_nodes_refuses_malformed_ids_and_too_many(
    ids: list[str], field: str, company: Company, users: Users
) -> None:
    response = await (await users(company.nina)).request(NODES, {"ids": ids})
    assert (response.code, response.error_field) == ("BAD_USER_INPUT", field)
    assert response.data is None


async def test_not_found_errors_name_the_global_id_never_the_database_key(
    company: Company, users: Users
) -> None:
    mia = await users(company.mia)
    task = await mia.data('mutation { createTask(input: {title: "t"}) { id } }')
    task_id = task["createTask"]["id"]
    tries = [
        ("mutation($id: ID!) { completeTask(id: $id) { id } }", {}, "Task", 987_601, "id"),
        (
            'mutation($id: ID!) { addComment(postId: $id, body: "b") { id } }',
            {},
            "Post",
            987_602,
            "postId",
        ),
        (
            "mutation($id: ID!) { toggleChecklistItem(id: $id) { id } }",
            {},
            "ChecklistItem",
            987_603,
            "id",
        ),
        (
            "mutation($id: ID!, $t: ID!) { updateTask(id: $t, input: {responsibleId: $id}) "
            "{ id } }",
            {"t": task_id},
            "User",
            987_604,
            "responsibleId",
        ),
        (
            'mutation($id: ID!) { updateComment(id: $id, body: "b") { id } }',
            {},
            "Comment",
            987_605,
            "id",
        ),
        (
            'mutation($id: ID!) { createPost(input: {body: "b", recipients: '
            "[{kind: USER, id: $id}]}) { id } }",
            {},
            "User",
            987_606,
            "recipients",
        ),
    ]
    for document, variables, type_name, pk, field in tries:
        response = await mia.request(document, {**variables, "id": gid(type_name, pk)})
        assert (response.code, response.error_field) == ("NOT_FOUND", field), response.errors
        message = response.errors[0]["message"]
        assert gid(type_name, pk) in message, message
        assert str(pk) not in message, message
