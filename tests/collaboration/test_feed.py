"""The feed and the event log behind it: visibility, order, cursors, transactions."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from models import Event, Post, SessionFactory
from subscriptions.events import EVENT_LOG_LOCK_KEY, EventKind, record_event
from tests.client import GraphQLClient
from tests.collaboration.factories import Company, Users, events, gid

FEED = """
query($kinds: [FeedEventKind!], $first: Int, $after: String) {
  feed(first: $first, after: $after, kinds: $kinds) {
    totalCount
    pageInfo { endCursor hasNextPage }
    edges { cursor node {
      cursor kind changes actor { name }
      subject { __typename ... on Post { body } ... on Comment { body } ... on Task { title } }
    } }
  }
}"""


async def feed_kinds(client: GraphQLClient, **variables: object) -> list[str]:
    data = await client.data(FEED, {"first": 50, **variables})
    return [edge["node"]["kind"] for edge in data["feed"]["edges"]]


async def _activity(company: Company, users: Users) -> str:
    """A task Mia gives Nina, Hugo's post to Sales with Nina's comment, Owen's own post."""
    mia = await users(company.mia)
    created = await mia.data(
        'mutation($r: ID) { createTask(input: {title: "Call", responsibleId: $r}) { id } }',
        {"r": gid("User", company.nina.id)},
    )
    task_id: str = created["createTask"]["id"]
    await (await users(company.nina)).data(
        "mutation($id: ID!) { completeTask(id: $id) { id } }", {"id": task_id}
    )
    post = await (await users(company.hugo)).data(
        'mutation($d: ID) { createPost(input: {body: "Sales news", '
        "recipients: [{kind: DEPARTMENT, id: $d}]}) { id } }",
        {"d": gid("Department", company.seed.sales.id)},
    )
    await (await users(company.nina)).data(
        'mutation($p: ID!) { addComment(postId: $p, body: "Great") { id } }',
        {"p": post["createPost"]["id"]},
    )
    await (await users(company.owen)).data(
        'mutation($d: ID) { createPost(input: {body: "Marketing news", '
        "recipients: [{kind: DEPARTMENT, id: $d}]}) { id } }",
        {"d": gid("Department", company.marketing.id)},
    )
    return task_id


async def test_the_feed_shows_only_what_the_viewer_may_see(company: Company, users: Users) -> None:
    await _activity(company, users)
    nina = await users(company.nina)
    data = await nina.data(FEED, {"first": 50})
    nodes = [edge["node"] for edge in data["feed"]["edges"]]
    assert data["feed"]["totalCount"] == 4
    assert [(n["kind"], n["subject"]) for n in nodes] == [
        ("COMMENT_ADDED", {"__typename": "Comment", "body": "Great"}),
        ("POST_CREATED", {"__typename": "Post", "body": "Sales news"}),
        ("TASK_COMPLETED", {"__typename": "Task", "title": "Call"}),
        ("TASK_CREATED", {"__typename": "Task", "title": "Call"}),
    ]
    assert nodes[2]["changes"] == {"status": ["NEW", "COMPLETED"]}
    assert nodes[2]["actor"] == {"name": "Nina North"}
    assert await feed_kinds(await users(company.owen)) == ["POST_CREATED"]
    assert await feed_kinds(await users(company.sam)) == ["COMMENT_ADDED", "POST_CREATED"]
    assert len(await feed_kinds(await users(company.ada))) == 5


async def test_the_feed_filters_by_kind_and_pages_by_seq(company: Company, users: Users) -> None:
    await _activity(company, users)
    mia = await users(company.mia)
    assert await feed_kinds(mia, kinds=["TASK_CREATED", "TASK_COMPLETED"]) == [
        "TASK_COMPLETED",
        "TASK_CREATED",
    ]
    first = (await mia.data(FEED, {"first": 1}))["feed"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["edges"][0]["cursor"] == first["edges"][0]["node"]["cursor"]
    rest = (await mia.data(FEED, {"first": 50, "after": first["pageInfo"]["endCursor"]}))["feed"]
    assert [edge["node"]["kind"] for edge in rest["edges"]] == [
        "POST_CREATED",
        "TASK_COMPLETED",
        "TASK_CREATED",
    ]
    bad = await mia.request(FEED, {"after": "not a cursor"})
    assert (bad.code, bad.error_field) == ("BAD_USER_INPUT", "after")


async def test_every_change_writes_its_event_with_an_envelope(
    company: Company, users: Users, session_factory: SessionFactory
) -> None:
    await _activity(company, users)
    logged = await events(session_factory)
    assert [event.kind for event in logged] == [
        "TASK_CREATED",
        "TASK_COMPLETED",
        "POST_CREATED",
        "COMMENT_ADDED",
        "POST_CREATED",
    ]
    assert [event.seq for event in logged] == sorted({event.seq for event in logged})
    task_event = logged[0].envelope
    assert task_event["entity"] == "TASK"
    assert task_event["participants"] == sorted([company.mia.id, company.nina.id])
    assert task_event["departmentPaths"] == [company.seed.north.path]
    assert logged[3].envelope["departmentIds"] == [company.seed.sales.id]
    assert (logged[3].subject_type, logged[3].scope_type) == ("COMMENT", "POST")


async def test_a_rolled_back_change_leaves_no_event(
    company: Company,
    users: Users,
    session_factory: SessionFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def failing_notify(*_args: object, **_kwargs: object) -> set[int]:
        raise RuntimeError("the notification store is down")

    # The event is already recorded when notifying fails; the whole change must go.
    monkeypatch.setattr("resolvers.posts.commands.notify", failing_notify)
    response = await (await users(company.mia)).request(
        'mutation { createPost(input: {body: "lost", recipients: [{kind: ALL}]}) { id } }'
    )
    assert response.code == "INTERNAL_SERVER_ERROR"
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Post)) == 0
        assert await session.scalar(select(func.count()).select_from(Event)) == 0


async def test_event_writers_hold_the_log_lock_until_commit_on_postgresql(
    engine: AsyncEngine, session_factory: SessionFactory, company: Company
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers by itself")
    try_lock = text("SELECT pg_try_advisory_xact_lock(:key)")
    async with session_factory() as writer, session_factory() as other:
        await record_event(
            writer,
            EventKind.POST_CREATED,
            actor_id=company.mia.id,
            subject=("POST", 1),
            scope=("POST", 1),
            changes={},
            envelope={},
        )
        assert await other.scalar(try_lock, {"key": EVENT_LOG_LOCK_KEY}) is False
        await other.rollback()
        await writer.commit()
        assert await other.scalar(try_lock, {"key": EVENT_LOG_LOCK_KEY}) is True
        await other.rollback()


async def test_concurrent_event_writers_all_commit_each_with_its_own_seq(
    company: Company, users: Users, session_factory: SessionFactory
) -> None:
    clients = [await users(user) for user in (company.mia, company.nina, company.sam, company.max)]
    create = (
        "mutation($b: String!) { createPost(input: {body: $b, recipients: [{kind: ALL}]}) { id } }"
    )
    await asyncio.gather(
        *(client.data(create, {"b": f"post {index}"}) for index, client in enumerate(clients * 3))
    )
    logged = await events(session_factory)
    assert len(logged) == 12
    assert len({event.seq for event in logged}) == 12
