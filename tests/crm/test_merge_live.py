"""A merge reaches live `feed` subscribers who may read the survivor, as one merge event
after the merged records' deletions, and nobody else."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from starlette.applications import Starlette

from models import AccessAction, AccessLevel, SessionFactory
from models.crm import CrmEntity
from tests.factories import Seed, grant_role
from tests.live_server import LiveServer, Subscription, serve

FEED = "subscription { feed { kind subject { ... on Contact { id } } changes } }"
CREATE = """mutation($last: String!) {
  createContact(input: {lastName: $last, opened: false}) { id }
}"""
MERGE = """mutation($s: ID!, $m: [ID!]!) {
  mergeContacts(survivorId: $s, mergedIds: $m) { id }
}"""


@pytest.fixture
async def server(app: Starlette, seed: Seed) -> AsyncIterator[LiveServer]:
    async with serve(app) as live:
        yield live


async def test_the_merge_reaches_readers_of_the_survivor_only(
    server: LiveServer, seed: Seed, session_factory: SessionFactory
) -> None:
    contacts = {(CrmEntity.CONTACT, AccessAction.READ): AccessLevel.ALL}
    await grant_role(session_factory, "Reader", contacts, user=seed.member)
    own = {(CrmEntity.CONTACT, AccessAction.READ): AccessLevel.OWN}
    await grant_role(session_factory, "Own", own, user=seed.head)
    admin = await server.login("admin@example.com")
    member = await server.login("member@example.com")
    head = await server.login("head@example.com")
    ids = [
        (await server.graphql(CREATE, {"last": last}, token=admin))["createContact"]["id"]
        for last in ("Kept", "Gone", "Also gone")
    ]
    async with (
        Subscription.open(server, member, FEED) as reader,
        Subscription.open(server, head, FEED) as outsider,
    ):
        await asyncio.sleep(0.2)
        await server.graphql(MERGE, {"s": ids[0], "m": ids[1:]}, token=admin)
        events: list[dict[str, Any]] = []
        # The creations may still be on their way to a subscriber that just opened.
        while len(events) < 3:
            event = (await reader.next())["feed"]
            if event["kind"] != "CONTACT_CREATED":
                events.append(event)
        assert [event["kind"] for event in events] == [
            "CONTACT_DELETED",
            "CONTACT_DELETED",
            "CONTACT_MERGED",
        ]
        merged = events[2]
        assert merged["subject"] == {"id": ids[0]}
        assert merged["changes"]["mergedIds"] == [ids[1:], []]
        assert merged["changes"]["mergedNames"] == [["Gone", "Also gone"], None]
        assert await reader.nothing_for(0.3)
        assert await outsider.nothing_for(0.3)
