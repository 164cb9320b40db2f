"""Notifications: each cause tells each recipient exactly once, never the actor."""

from __future__ import annotations

from collections import Counter

from models import SessionFactory
from tests.collaboration.factories import Company, Users, all_notifications, gid


class Inbox:
    """What was notified since the last look, as Counter({(user id, kind): count})."""

    def __init__(self, session_factory: SessionFactory) -> None:
        self._session_factory = session_factory
        self._seen = 0

    async def new(self) -> Counter[tuple[int, str]]:
        rows = await all_notifications(self._session_factory)
        fresh, self._seen = rows[self._seen :], len(rows)
        return Counter(fresh)


async def test_each_task_cause_notifies_each_recipient_once(
    company: Company, users: Users, session_factory: SessionFactory
) -> None:
    inbox = Inbox(session_factory)
    mia, nina, sam, max_ = company.mia, company.nina, company.sam, company.max
    created = await (await users(mia)).data(
        "mutation($input: TaskInput!) { createTask(input: $input) { id } }",
        {
            "input": {
                "title": "Quarterly report",
                "responsibleId": gid("User", nina.id),
                "accomplicesIds": [gid("User", sam.id), gid("User", nina.id)],
                "auditorIds": [gid("User", max_.id), gid("User", sam.id), gid("User", mia.id)],
            }
        },
    )
    task_id = created["createTask"]["id"]
    assert await inbox.new() == Counter(
        {(nina.id, "TASK_ASSIGNED"): 1, (sam.id, "TASK_ASSIGNED"): 1, (max_.id, "TASK_ASSIGNED"): 1}
    )

    await (await users(mia)).data(
        "mutation($id: ID!, $a: [ID!]) { updateTask(id: $id, input: {auditorIds: $a}) { id } }",
        {"id": task_id, "a": [gid("User", max_.id), gid("User", company.owen.id)]},
    )
    assert await inbox.new() == Counter({(company.owen.id, "TASK_ASSIGNED"): 1})

    await (await users(nina)).data(
        "mutation($id: ID!) { startTask(id: $id) { id } }", {"id": task_id}
    )
    assert await inbox.new() == Counter(
        {(user.id, "TASK_STATUS_CHANGED"): 1 for user in (mia, sam, max_, company.owen)}
    )

    await (await users(max_)).data(
        'mutation($t: ID!) { addTaskComment(taskId: $t, body: "done?") { id } }', {"t": task_id}
    )
    assert await inbox.new() == Counter(
        {(user.id, "TASK_COMMENTED"): 1 for user in (mia, nina, sam, company.owen)}
    )


async def test_each_post_cause_notifies_each_recipient_once(
    company: Company, users: Users, session_factory: SessionFactory
) -> None:
    inbox = Inbox(session_factory)
    hugo = await users(company.hugo)
    created = await hugo.data(
        "mutation($input: PostInput!) { createPost(input: $input) { id } }",
        {
            "input": {
                "body": "Sales meeting at 10",
                "recipients": [
                    {"kind": "DEPARTMENT", "id": gid("Department", company.seed.sales.id)},
                    {"kind": "USER", "id": gid("User", company.nina.id)},
                    {"kind": "USER", "id": gid("User", company.hugo.id)},
                ],
            }
        },
    )
    post_id = created["createPost"]["id"]
    assert await inbox.new() == Counter(
        {(user.id, "POST_ADDRESSED"): 1 for user in (company.mia, company.nina, company.sam)}
    )

    comment = 'mutation($p: ID!) { addComment(postId: $p, body: "ok") { id } }'
    await (await users(company.nina)).data(comment, {"p": post_id})
    await hugo.data(comment, {"p": post_id})
    assert await inbox.new() == Counter({(company.hugo.id, "POST_COMMENTED"): 1})

    like = "mutation($p: ID!) { likePost(postId: $p) { id } }"
    sam = await users(company.sam)
    await sam.data(like, {"p": post_id})
    await sam.data(like, {"p": post_id})
    await hugo.data(like, {"p": post_id})
    assert await inbox.new() == Counter({(company.hugo.id, "POST_LIKED"): 1})


async def test_a_post_to_everyone_reaches_every_active_user_but_the_author(
    company: Company, users: Users, session_factory: SessionFactory
) -> None:
    inbox = Inbox(session_factory)
    await (await users(company.ada)).data(
        'mutation { createPost(input: {body: "Hi all", recipients: [{kind: ALL}]}) { id } }'
    )
    everyone = (
        company.hugo,
        company.mia,
        company.nina,
        company.sam,
        company.mara,
        company.max,
        company.owen,
    )
    assert await inbox.new() == Counter({(user.id, "POST_ADDRESSED"): 1 for user in everyone})


NOTIFICATIONS = """
{ unreadNotificationCount
  notifications(first: 10) { totalCount edges { node {
    id kind read text actor { name }
    subject { __typename ... on Post { body } ... on Comment { body } ... on Task { title } }
  } } } }
"""


async def test_the_inbox_lists_unread_first_and_marks_read(company: Company, users: Users) -> None:
    mia = await users(company.mia)
    nina = await users(company.nina)
    for body in ("first", "second"):
        await nina.data(
            "mutation($b: String!) { createPost(input: {body: $b, "
            "recipients: [{kind: ALL}]}) { id } }",
            {"b": body},
        )
    data = await mia.data(NOTIFICATIONS)
    assert data["unreadNotificationCount"] == 2
    nodes = [edge["node"] for edge in data["notifications"]["edges"]]
    assert [n["subject"] for n in nodes] == [
        {"__typename": "Post", "body": "second"},
        {"__typename": "Post", "body": "first"},
    ]
    assert nodes[0]["kind"] == "POST_ADDRESSED"
    assert nodes[0]["actor"] == {"name": "Nina North"}
    assert "Nina North posted" in nodes[0]["text"]

    marked = await mia.data(
        "mutation($ids: [ID!]) { markNotificationsRead(ids: $ids) }", {"ids": [nodes[0]["id"]]}
    )
    assert marked["markNotificationsRead"] == 1
    not_mine = await nina.data(
        "mutation($ids: [ID!]) { markNotificationsRead(ids: $ids) }", {"ids": [nodes[1]["id"]]}
    )
    assert not_mine["markNotificationsRead"] == 0
    after = await mia.data(NOTIFICATIONS)
    ordered = [
        (e["node"]["subject"]["body"], e["node"]["read"]) for e in after["notifications"]["edges"]
    ]
    assert ordered == [("first", False), ("second", True)]
    assert (await mia.data("mutation { markNotificationsRead(all: true) }"))[
        "markNotificationsRead"
    ] == 1
    assert (await mia.data(NOTIFICATIONS))["unreadNotificationCount"] == 0
    neither = await mia.request("mutation { markNotificationsRead }")
    assert (neither.code, neither.error_field) == ("BAD_USER_INPUT", "ids")
