"""`notifications` over real websockets: each user hears their own, as they happen."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from starlette.applications import Starlette

from schema.relay import encode_id
from tests.factories import Seed
from tests.live_server import LiveServer, Subscription, serve

NOTIFICATIONS = "subscription { notifications { id kind read text actor { email } } }"
POST = """mutation($to: [RecipientInput!]!) {
  createPost(input: {title: "Hi", body: "Read me", recipients: $to}) { id }
}"""
INBOX = "{ notifications(first: 5) { edges { node { id kind } } } }"


@pytest.fixture
async def server(app: Starlette, seed: Seed) -> AsyncIterator[LiveServer]:
    async with serve(app) as live:
        yield live


async def test_a_post_addressed_to_me_notifies_me_live_and_no_one_else(
    server: LiveServer, seed: Seed
) -> None:
    admin = await server.login("admin@example.com")
    member = await server.login("member@example.com")
    to_head = [{"kind": "USER", "id": encode_id("User", seed.head.id)}]
    to_member = [{"kind": "USER", "id": encode_id("User", seed.member.id)}]
    async with Subscription.open(server, member, NOTIFICATIONS) as inbox:
        await asyncio.sleep(0.2)
        await server.graphql(POST, {"to": to_head}, token=admin)
        await server.graphql(POST, {"to": to_member}, token=admin)
        notification = (await inbox.next())["notifications"]
        assert notification["kind"] == "POST_ADDRESSED"
        assert notification["read"] is False
        assert notification["actor"] == {"email": "admin@example.com"}
        assert await inbox.nothing_for(0.3)
    stored = await server.graphql(INBOX, token=member)
    assert [edge["node"]["id"] for edge in stored["notifications"]["edges"]] == [notification["id"]]
