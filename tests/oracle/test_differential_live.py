"""Subscriptions against the oracle, over graphql-transport-ws on a real server.

Replay: `feed(after:)` from the log's first event replays, in seq order, what the `feed` query
shows, after records were reassigned and deleted. Live: each viewer's `feed`, `dealChanged`
and `notifications` carry exactly what the oracle allows of the actor's changes. Each read
is bounded: a sentinel every viewer sees (a post to everyone, a task naming everyone) tells
when a stream has delivered all it should.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hypothesis import given

from crmhub.settings import Settings
from models import SessionFactory
from tests.crm.api import global_id
from tests.live_server import LiveServer, Subscription
from tests.oracle.domain import Entity, Population, Recipient
from tests.oracle.live import (
    Actor,
    Timeline,
    events_after,
    live_server,
    notifications_after,
    until_listening,
    with_actor,
)
from tests.oracle.model import Oracle
from tests.oracle.population import populations
from tests.oracle.world import ORACLE_SETTINGS, MakeWorld, connection, ids_of

FEED = "subscription($after: String) { feed(after: $after) { id kind } }"
DEAL_CHANGED = "subscription { dealChanged { kind dealId changedFields deal { title amount } } }"
NOTIFICATIONS = "subscription { notifications { id } }"
UPDATE_DEAL = "mutation($id: ID!, $input: DealPatch!) { updateDeal(id: $id, input: $input) { id } }"
MOVE_DEAL = "mutation($id: ID!, $stage: ID!) { moveDeal(id: $id, stageId: $stage) { id } }"
DELETE_DEAL = "mutation($id: ID!) { deleteDeal(id: $id) }"
DELETE_POST = "mutation($id: ID!) { deletePost(id: $id) }"
COMMENT = 'mutation($id: ID!) { addTaskComment(taskId: $id, body: "noted") { id } }'


def _event_gid(seq: int) -> str:
    return global_id("FeedEvent", seq)


async def _read_until(subscription: Subscription, field: str, last: str) -> list[str]:
    """Ids the subscription yields up to and including ``last`` (each wait bounded)."""
    ids: list[str] = []
    while not ids or ids[-1] != last:
        ids.append((await subscription.next())[field]["id"])
    return ids


@ORACLE_SETTINGS
@given(population=populations())
async def test_replay_after_the_first_event_is_what_the_feed_shows(
    make_world: MakeWorld,
    settings: Settings,
    session_factory: SessionFactory,
    population: Population,
) -> None:
    world = await make_world(with_actor(population))
    viewers = range(len(population.users))
    timeline = Timeline(world.population)
    deals = len(population.records[Entity.DEAL])
    async with live_server(settings) as (server, _hub):
        actor = Actor(server, world)
        await _reassign(actor, timeline, 0)
        if deals > 1:
            await actor.run(DELETE_DEAL, id=world.loaded.gid(Entity.DEAL, deals - 1))
            timeline.deleted.add(("DEAL", deals - 1))
        if population.posts:
            await actor.run(DELETE_POST, id=global_id("Post", world.loaded.ids["POST"][0]))
            timeline.deleted.add(("POST", 0))
        to_everyone = ("POST", await actor.post(timeline, Recipient("ALL")))
        logged = await events_after(session_factory, world, 0)
        first = _event_gid(logged[0].seq)
        sentinel = _event_gid(next(e.seq for e in logged if e.subject == to_everyone))
        after = (await actor.cursors())[first]

        async def check(user: int) -> None:
            shown = [_event_gid(e.seq) for e in logged if timeline.visible(user, e.subject)]
            found = await connection(world.clients[user], "feed")
            assert set(ids_of(found)) == set(shown), user
            token = world.loaded.tokens[user]
            async with Subscription.open(server, token, FEED, {"after": after}) as feed:
                replayed = await _read_until(feed, "feed", sentinel)
            assert replayed == [gid for gid in shown if gid != first], user

        await asyncio.gather(*(check(user) for user in viewers))


async def _reassign(actor: Actor, timeline: Timeline, deal: int) -> None:
    """The deal to the next user (the first if it had none)."""
    responsible = timeline.population.records[Entity.DEAL][deal].responsible
    to = 0 if responsible is None else (responsible + 1) % actor.index
    variables = {"assignedToId": actor.gid("User", "USER", to)}
    await actor.run(UPDATE_DEAL, id=actor.world.loaded.gid(Entity.DEAL, deal), input=variables)
    timeline.change(Entity.DEAL, deal, responsible=to)


@dataclass
class Streams:
    feed: Subscription
    deals: Subscription
    notifications: Subscription


@ORACLE_SETTINGS
@given(population=populations())
async def test_live_streams_carry_exactly_what_the_oracle_allows(
    make_world: MakeWorld,
    settings: Settings,
    session_factory: SessionFactory,
    population: Population,
) -> None:
    world = await make_world(with_actor(population))
    viewers = list(range(len(population.users)))
    timeline = Timeline(world.population)
    async with live_server(settings) as (server, hub), AsyncExitStack() as stack:
        actor = Actor(server, world)
        last_loaded = max(world.loaded.events.values())
        after = (await actor.cursors())[_event_gid(last_loaded)]
        streams = {
            user: await _open(stack, server, world.loaded.tokens[user], after) for user in viewers
        }
        await until_listening(hub, 3 * len(viewers))
        for change in _deal_changes(population):
            before = timeline.oracle
            await change.make(actor, timeline)
            gid = world.loaded.gid(Entity.DEAL, change.deal)
            await asyncio.gather(
                *(
                    _check_deal_event(streams[user], gid, change, before, timeline, user)
                    for user in viewers
                )
            )
        await actor.post(timeline, Recipient("DEPARTMENT", len(population.departments) - 1))
        if population.tasks:
            await actor.run(COMMENT, id=global_id("Task", world.loaded.ids["TASK"][0]))
        await actor.task_for(timeline, viewers)  # the sentinel: every viewer takes part
        logged = await events_after(session_factory, world, last_loaded)
        notified = max((pk for pks in world.loaded.notifications.values() for pk in pks), default=0)

        async def check(user: int) -> None:
            seen = [_event_gid(e.seq) for e in logged if timeline.visible(user, e.subject)]
            log = [(e.seq, e.kind, e.subject) for e in logged]
            assert await _read_until(streams[user].feed, "feed", seen[-1]) == seen, (user, log)
            own = await notifications_after(session_factory, world, user, notified)
            gids = [global_id("Notification", pk) for pk in own]
            got = await _read_until(streams[user].notifications, "notifications", gids[-1])
            assert got == gids, user
            assert await streams[user].deals.nothing_for(0.2), user

        await asyncio.gather(*(check(user) for user in viewers))


async def _open(stack: AsyncExitStack, server: LiveServer, token: str, after: str) -> Streams:
    async def one(query: str, variables: dict[str, Any] | None = None) -> Subscription:
        return await stack.enter_async_context(Subscription.open(server, token, query, variables))

    return Streams(
        await one(FEED, {"after": after}), await one(DEAL_CHANGED), await one(NOTIFICATIONS)
    )


# What a change's name says of a deal's fields: an id names its relation; the stage's
# semantics and outcome name the stage.
CARRIES = {
    "assignedToId": "assignedTo",
    "stageId": "stage",
    "semantics": "stage",
    "outcome": "stage",
    "companyId": "company",
    "contactIds": "contacts",
}


@dataclass(frozen=True)
class DealChange:
    deal: int
    kind: str
    # The fields the change touches (what `changedFields` lists of them when shown).
    touched: tuple[str, ...]

    async def make(self, actor: Actor, timeline: Timeline) -> None:
        gid = actor.world.loaded.gid(Entity.DEAL, self.deal)
        record = timeline.population.records[Entity.DEAL][self.deal]
        if "title" in self.touched:
            patch = {"title": f"renamed {self.deal}", "amount": "777.00"}
            await actor.run(UPDATE_DEAL, id=gid, input=patch)
            timeline.change(Entity.DEAL, self.deal, title=patch["title"], amount=Decimal("777.00"))
        elif "stageId" in self.touched:
            assert isinstance(record.status, tuple)
            pipeline, stage = record.status
            moved = (pipeline, 1 if stage == 0 else 0)
            await actor.run(MOVE_DEAL, id=gid, stage=actor.world.loaded.stage_gid(moved))
            timeline.change(Entity.DEAL, self.deal, status=moved)
        else:
            await _reassign(actor, timeline, self.deal)


def _deal_changes(population: Population) -> list[DealChange]:
    """A new title and amount, a move to another stage, a new responsible: on different
    deals when there are enough."""
    count = len(population.records[Entity.DEAL])
    return [
        DealChange(0, "UPDATED", ("title", "amount")),
        DealChange(1 % count, "STAGE_MOVED", ("stageId",)),
        DealChange(2 % count, "UPDATED", ("assignedToId",)),
    ]


async def _check_deal_event(
    streams: Streams, gid: str, change: DealChange, before: Oracle, timeline: Timeline, user: int
) -> None:
    """Readable after the change: the change, hidden fields left out and null; readable
    only before: HIDDEN with the id alone; else nothing (told by the next change's check)."""
    ref = (Entity.DEAL, change.deal)
    after = timeline.oracle
    if not after.readable(user, ref) and not before.readable(user, ref):
        return
    event = (await streams.deals.next())["dealChanged"]
    context = (user, change)
    assert event["dealId"] == gid, context
    if not after.readable(user, ref):
        assert (event["kind"], event["changedFields"], event["deal"]) == ("HIDDEN", [], None)
        return
    hidden = after.hidden_fields(user, ref)
    record = timeline.population.records[Entity.DEAL][change.deal]
    # A move tells the stage changed: where the stage is hidden it shows as an update.
    shown_kind = "UPDATED" if change.kind == "STAGE_MOVED" and "stage" in hidden else change.kind
    assert event["kind"] == shown_kind, context
    changed = set(event["changedFields"])
    assert not hidden & {CARRIES.get(name, name) for name in changed}, context
    assert {name for name in change.touched if CARRIES.get(name, name) not in hidden} <= changed

    shown = {"title": record.title, "amount": str(record.amount)}
    expected = {name: None if name in hidden else value for name, value in shown.items()}
    assert event["deal"] == expected, context
