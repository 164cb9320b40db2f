"""What the live checks share: a fresh app served on loopback per example, an administrator
who makes the changes through the API, and the event log read back for the oracle to judge.

The population changes as the actor works: ``Timeline`` keeps it, what was deleted, and the
oracle of the current state.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select

from crmhub.app import create_app
from crmhub.settings import Settings
from models import Event, Notification, SessionFactory
from subscriptions.hub import Hub
from tests.crm.api import global_id
from tests.live_server import LiveServer, serve
from tests.oracle.domain import Entity, Population, Post, Recipient, Record, Subject, Task, User
from tests.oracle.model import Oracle
from tests.oracle.world import World

SUBJECT_KINDS = ("LEAD", "CONTACT", "COMPANY", "DEAL", "TASK", "POST")
POST = (
    'mutation($r: RecipientInput!) { createPost(input: {body: "news", recipients: [$r]}) { id } }'
)
FEED_CURSORS = "{ feed(first: 100) { edges { node { id cursor } } } }"


def with_actor(population: Population) -> Population:
    """The population and, as its last user, an administrator outside every department who
    makes the changes (it is no viewer: the checks are about what others are shown)."""
    return replace(population, users=(*population.users, User(department=None, is_admin=True)))


@asynccontextmanager
async def live_server(settings: Settings) -> AsyncIterator[tuple[LiveServer, Hub]]:
    """A fresh app per example: its event pump starts at the end of this example's log
    (emptying the tables moves seqs back, which a pump that served an earlier example would
    not follow)."""
    app = create_app(settings)
    async with app.router.lifespan_context(app), serve(app) as server:
        yield server, app.state.realtime.hub


async def until_listening(hub: Hub, subscriptions: int) -> None:
    """Until the pump has read the log's end and every subscription is registered: changes
    made from then on reach them all."""
    async with asyncio.timeout(10):
        while hub.reached is None or len(hub) < subscriptions:  # noqa: ASYNC110 - no event to wait on
            await asyncio.sleep(0.01)


def pk_of(global_id: str) -> int:
    padded = global_id + "=" * (-len(global_id) % 4)
    return int(base64.urlsafe_b64decode(padded).decode().split(":")[1])


@dataclass(frozen=True)
class Logged:
    seq: int
    kind: str
    # The task, post or record the event is about (a comment's task or post); None for
    # events of no such subject (notifications).
    subject: Subject | None


async def events_after(session_factory: SessionFactory, world: World, seq: int) -> list[Logged]:
    indexes = {
        (kind, pk): index
        for kind in SUBJECT_KINDS
        for index, pk in enumerate(world.loaded.ids.get(kind, []))
    }
    async with session_factory() as session:
        rows = await session.execute(
            select(Event.seq, Event.kind, Event.scope_type, Event.scope_id)
            .where(Event.seq > seq)
            .order_by(Event.seq)
        )
    logged = []
    for row_seq, kind, scope_type, scope_id in rows:
        index = indexes.get((scope_type, scope_id))
        logged.append(Logged(row_seq, kind, None if index is None else (scope_type, index)))
    return logged


async def notifications_after(
    session_factory: SessionFactory, world: World, user: int, pk: int
) -> list[int]:
    async with session_factory() as session:
        rows = await session.scalars(
            select(Notification.id)
            .where(Notification.id > pk, Notification.user_id == world.loaded.ids["USER"][user])
            .order_by(Notification.id)
        )
    return list(rows)


@dataclass
class Timeline:
    population: Population
    deleted: set[Subject] = field(default_factory=set)

    @property
    def oracle(self) -> Oracle:
        return Oracle(self.population)

    def visible(self, user: int, subject: Subject | None) -> bool:
        """What the feed shows now: subjects that still exist and the viewer sees."""
        return (
            subject is not None
            and subject not in self.deleted
            and self.oracle.subject_visible(user, subject)
        )

    def change(self, entity: Entity, index: int, **values: Any) -> Record:
        records = list(self.population.records[entity])
        records[index] = replace(records[index], **values)
        self.population = replace(
            self.population, records={**self.population.records, entity: tuple(records)}
        )
        return records[index]

    def add_post(self, post: Post) -> int:
        self.population = replace(self.population, posts=(*self.population.posts, post))
        return len(self.population.posts) - 1

    def add_task(self, task: Task) -> int:
        self.population = replace(self.population, tasks=(*self.population.tasks, task))
        return len(self.population.tasks) - 1


class Actor:
    """The administrator (the population's last user) making changes through the API."""

    def __init__(self, server: LiveServer, world: World) -> None:
        self.server = server
        self.world = world
        self.index = len(world.population.users) - 1

    async def run(self, query: str, **variables: Any) -> dict[str, Any]:
        token = self.world.loaded.tokens[self.index]
        return await self.server.graphql(query, variables, token=token)

    def gid(self, type_name: str, kind: str, index: int) -> str:
        return global_id(type_name, self.world.loaded.ids[kind][index])

    async def cursors(self) -> dict[str, str]:
        """Every event's cursor by its id (the actor sees them all)."""
        edges = (await self.run(FEED_CURSORS))["feed"]["edges"]
        return {edge["node"]["id"]: edge["node"]["cursor"] for edge in edges}

    async def post(self, timeline: Timeline, recipient: Recipient) -> int:
        kind = {"kind": recipient.kind}
        if recipient.kind == "DEPARTMENT" and recipient.target is not None:
            kind["id"] = self.gid("Department", "DEPARTMENT", recipient.target)
        created = await self.run(
            POST,
            r=kind,
        )
        self.world.loaded.ids["POST"].append(pk_of(created["createPost"]["id"]))
        return timeline.add_post(Post(self.index, (recipient,), ()))

    async def task_for(self, timeline: Timeline, people: list[int]) -> int:
        """A task the actor is responsible for, with ``people`` as its accomplices."""
        user_ids = [self.gid("User", "USER", user) for user in people]
        created = await self.run(
            "mutation($input: TaskInput!) { createTask(input: $input) { id } }",
            input={
                "title": "everyone",
                "responsibleId": self.gid("User", "USER", self.index),
                "accomplicesIds": user_ids,
            },
        )
        self.world.loaded.ids["TASK"].append(pk_of(created["createTask"]["id"]))
        return timeline.add_task(Task(self.index, self.index, frozenset(people), frozenset(), ()))
