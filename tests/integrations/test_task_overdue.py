"""Overdue tasks: a task past its deadline unfinished is announced once per deadline
(TASK_OVERDUE, in the feed of those who see the task), however many scans run at once; and
TASK_OVERDUE starts automation rules on the record the task is bound to."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from starlette.applications import Starlette

from crmhub.database import create_engine, create_session_factory
from crmhub.settings import Settings
from models import Event, SessionFactory, Task
from resolvers.tasks.overdue import announce_overdue_tasks
from schema.relay import encode_id
from tests.client import GraphQLClient
from tests.factories import Seed
from tests.integrations.automation_api import create_rule, runs
from tests.integrations.test_automation import new_member, run_all

CREATE_TASK = """mutation($input: TaskInput!) { createTask(input: $input) { id } }"""
SET_DEADLINE = """mutation($id: ID!, $d: DateTime) { updateTask(id: $id, input: {deadline: $d})
  { id } }"""
COMPLETE = "mutation($id: ID!) { completeTask(id: $id) { id } }"
OVERDUE_FEED = """{ feed(first: 20, kinds: [TASK_OVERDUE]) {
  edges { node { kind changes actor { name } subject { ... on Task { id } } } } } }"""
NOTIFICATIONS = "{ notifications(first: 20) { edges { node { kind text } } } }"


def an_hour_ago() -> str:
    return (datetime.now(UTC) - timedelta(hours=1)).isoformat()


async def overdue_task(admin: GraphQLClient, seed: Seed, **extra: object) -> str:
    data = await admin.data(
        CREATE_TASK,
        {
            "input": {
                "title": "Send the offer",
                "responsibleId": encode_id("User", seed.member.id),
                "deadline": an_hour_ago(),
            }
            | extra
        },
    )
    task_id: str = data["createTask"]["id"]
    return task_id


async def overdue_events(client: GraphQLClient) -> list[dict[str, object]]:
    return [edge["node"] for edge in (await client.data(OVERDUE_FEED))["feed"]["edges"]]


async def test_an_overdue_task_is_announced_once_per_deadline_to_those_who_see_it(
    session_factory: SessionFactory,
    admin: GraphQLClient,
    member: GraphQLClient,
    client: GraphQLClient,
    seed: Seed,
) -> None:
    task = await overdue_task(admin, seed)
    finished = await overdue_task(admin, seed, title="Done in time")
    await member.data(COMPLETE, {"id": finished})
    await overdue_task(admin, seed, title="Not due yet", deadline=None)

    assert await announce_overdue_tasks(session_factory) == 1
    assert await announce_overdue_tasks(session_factory) == 0
    (announced,) = await overdue_events(member)
    assert announced == {
        "kind": "TASK_OVERDUE",
        "changes": {"overdue": [False, True]},
        "actor": None,
        "subject": {"id": task},
    }
    await new_member(session_factory, seed, "peer@example.com")
    peer = client.as_user(await client.login("peer@example.com"))
    assert await overdue_events(peer) == []

    # A new deadline that passes is announced again; the same one never twice.
    await admin.data(SET_DEADLINE, {"id": task, "d": an_hour_ago()})
    assert await announce_overdue_tasks(session_factory) == 1
    await admin.data(SET_DEADLINE, {"id": task, "d": None})
    assert await announce_overdue_tasks(session_factory) == 0
    assert len(await overdue_events(admin)) == 2


async def test_scans_racing_over_the_same_tasks_announce_each_once(
    session_factory: SessionFactory, settings: Settings, admin: GraphQLClient, seed: Seed
) -> None:
    tasks = [await overdue_task(admin, seed, title=f"Task {i}") for i in range(5)]
    engine = create_engine(settings.database_url)
    try:
        other = create_session_factory(engine)
        counts = await asyncio.gather(
            announce_overdue_tasks(session_factory), announce_overdue_tasks(other)
        )
    finally:
        await engine.dispose()
    assert sum(counts) == len(tasks)
    async with session_factory() as session:
        kinds = list(await session.scalars(select(Event.kind).where(Event.kind == "TASK_OVERDUE")))
        noted = list(await session.scalars(select(Task.overdue_deadline)))
    assert len(kinds) == len(tasks)
    assert all(deadline is not None for deadline in noted)


async def test_an_overdue_task_starts_rules_on_the_record_it_is_bound_to(
    app: Starlette, session_factory: SessionFactory, admin: GraphQLClient, seed: Seed
) -> None:
    rule = await create_rule(
        admin,
        name="Chase overdue deal tasks",
        trigger={"kind": "TASK_OVERDUE", "entity": "DEAL"},
        actions=[{"kind": "NOTIFY", "text": "A task of {title} is overdue"}],
    )
    deal = await admin.data(
        'mutation($to: ID) { createDeal(input: {title: "Fleet", assignedToId: $to}) { id } }',
        {"to": encode_id("User", seed.head.id)},
    )
    await overdue_task(admin, seed, crmItemIds=[deal["createDeal"]["id"]])
    await overdue_task(admin, seed, title="Bound to nothing")

    assert await announce_overdue_tasks(session_factory) == 2
    assert await run_all(app) == 1
    assert [run["status"] for run in await runs(admin, rule)] == ["DONE"]
    head = admin.as_user(await admin.login(seed.head.email))
    texts = [
        edge["node"]["text"]
        for edge in (await head.data(NOTIFICATIONS))["notifications"]["edges"]
        if edge["node"]["kind"] == "AUTOMATION"
    ]
    assert texts == ["A task of Fleet is overdue"]


async def test_a_task_overdue_rule_names_its_entity(admin: GraphQLClient) -> None:
    response = await admin.request(
        """mutation($input: AutomationRuleInput!) { createAutomationRule(input: $input) { id } }""",
        {
            "input": {
                "name": "No entity",
                "trigger": {"kind": "TASK_OVERDUE"},
                "actions": [{"kind": "NOTIFY", "text": "Late"}],
            }
        },
    )
    assert (response.code, response.error_field) == ("BAD_USER_INPUT", "trigger.entity")
