"""No N+1: the tasks, posts, notifications and feed lists cost the same for 1 row and 50."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette

from tests.client import GraphQLClient
from tests.collaboration.factories import Company, Users, gid
from tests.statements import count_statements

ROWS = 4

TASKS = """query($n: Int) { tasks(first: $n) { totalCount edges { node {
  title overdue tags viewerActions creator { name department { name } } responsible { name }
  accomplices { name } auditors { name } checklist { title done }
  parent { title } subtasks { title responsible { name } }
  comments { body author { name } }
} } } }"""

POSTS = """query($n: Int) { posts(first: $n) { totalCount edges { node {
  body author { name department { name } } likeCount likedByViewer likedBy { name }
  commentCount comments { body author { name } }
  recipients { kind department { name } user { name } }
} } } }"""

NOTIFICATIONS = """query($n: Int, $kinds: [NotificationKind!]) {
 notifications(first: $n, kinds: $kinds) { totalCount edges { node {
  kind text actor { name }
  subject { ... on Post { body author { name } } ... on Comment { body }
            ... on Task { title responsible { name } } }
} } } }"""

FEED = """query($n: Int, $kinds: [FeedEventKind!]) {
 feed(first: $n, kinds: $kinds) { totalCount edges { node {
  kind changes actor { name department { name } }
  subject { ... on Post { body likeCount } ... on Comment { body author { name } }
            ... on Task { title tags accomplices { name } } }
} } } }"""


async def _workload(company: Company, users: Users) -> None:
    """A few of everything, with every relation filled, all seen by Mia."""
    mia, nina = await users(company.mia), await users(company.nina)
    for index in range(ROWS):
        created = await nina.data(
            """mutation($input: TaskInput!) { createTask(input: $input) { id } }""",
            {
                "input": {
                    "title": f"task {index}",
                    "responsibleId": gid("User", company.mia.id),
                    "accomplicesIds": [gid("User", company.sam.id)],
                    "auditorIds": [gid("User", company.max.id), gid("User", company.hugo.id)],
                    "tags": [f"t{index}", "all"],
                }
            },
        )
        task_id = created["createTask"]["id"]
        await nina.data(
            'mutation($t: ID!) { addChecklistItem(taskId: $t, title: "step") { id } }',
            {"t": task_id},
        )
        await nina.data(
            'mutation($p: ID) { createTask(input: {title: "sub", parentId: $p}) { id } }',
            {"p": task_id},
        )
        await nina.data(
            'mutation($t: ID!) { addTaskComment(taskId: $t, body: "note") { id } }',
            {"t": task_id},
        )
        post = await nina.data(
            'mutation { createPost(input: {body: "news", recipients: [{kind: ALL}]}) { id } }'
        )
        post_id = post["createPost"]["id"]
        await mia.data("mutation($p: ID!) { likePost(postId: $p) { id } }", {"p": post_id})
        await mia.data(
            'mutation($p: ID!) { addComment(postId: $p, body: "ok") { id } }', {"p": post_id}
        )


async def _statements(
    client: GraphQLClient, app: Starlette, query: str, **variables: object
) -> int:
    with count_statements(app.state.engine) as log:
        data = await client.data(query, variables)
    connection = next(iter(data.values()))
    assert connection["totalCount"] >= ROWS
    assert len(connection["edges"]) == min(variables["n"], connection["totalCount"])
    return log.count


@pytest.mark.parametrize(
    ("query", "kinds"),
    [
        (TASKS, None),
        (POSTS, None),
        # A page whose rows are about posts, comments and tasks loads each kind of subject in
        # one batch, so it costs one statement per kind present: compare one kind at a time.
        (NOTIFICATIONS, ["TASK_ASSIGNED"]),
        (NOTIFICATIONS, ["POST_ADDRESSED"]),
        (NOTIFICATIONS, ["TASK_COMMENTED"]),
        (FEED, ["TASK_CREATED"]),
        (FEED, ["POST_CREATED"]),
        (FEED, ["COMMENT_ADDED"]),
    ],
)
async def test_a_list_costs_the_same_for_1_row_and_50(
    query: str, kinds: list[str] | None, company: Company, users: Users, app: Starlette
) -> None:
    await _workload(company, users)
    mia = await users(company.mia)
    variables = {} if kinds is None else {"kinds": kinds}
    one = await _statements(mia, app, query, n=1, **variables)
    fifty = await _statements(mia, app, query, n=50, **variables)
    assert one == fifty
