"""`feed(after:)` over real websockets against a real uvicorn on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import websockets
from starlette.applications import Starlette

from schema.relay import encode_id
from tests.factories import Seed
from tests.live_server import LiveServer, Subscription, serve

FEED = """subscription($after: String) {
  feed(after: $after) { cursor kind actor { email } changes }
}"""
POST = """mutation($body: String!, $to: [RecipientInput!]!) {
  createPost(input: {body: $body, recipients: $to}) { id }
}"""
TO_ALL = [{"kind": "ALL"}]


@pytest.fixture
async def server(app: Starlette, seed: Seed) -> AsyncIterator[LiveServer]:
    async with serve(app) as live:
        yield live


async def test_a_post_reaches_a_subscriber_live(server: LiveServer) -> None:
    admin = await server.login("admin@example.com")
    member = await server.login("member@example.com")
    async with Subscription.open(server, member, FEED) as feed:
        await asyncio.sleep(0.2)
        await server.graphql(POST, {"body": "hello", "to": TO_ALL}, token=admin)
        event = (await feed.next())["feed"]
        assert event["kind"] == "POST_CREATED"
        assert event["actor"] == {"email": "admin@example.com"}
        assert event["cursor"]


async def test_resuming_from_a_cursor_gets_exactly_the_missed_events(server: LiveServer) -> None:
    admin = await server.login("admin@example.com")
    member = await server.login("member@example.com")
    async with Subscription.open(server, member, FEED) as feed:
        await asyncio.sleep(0.2)
        await server.graphql(POST, {"body": "before", "to": TO_ALL}, token=admin)
        cursor = (await feed.next())["feed"]["cursor"]
    for index in range(20):
        await server.graphql(POST, {"body": f"missed {index}", "to": TO_ALL}, token=admin)
    async with Subscription.open(server, member, FEED, {"after": cursor}) as feed:
        replayed = [(await feed.next())["feed"] for _ in range(20)]
        assert [event["kind"] for event in replayed] == ["POST_CREATED"] * 20
        assert len({event["cursor"] for event in replayed}) == 20
        await server.graphql(POST, {"body": "live", "to": TO_ALL}, token=admin)
        assert (await feed.next())["feed"]["kind"] == "POST_CREATED"
        assert await feed.nothing_for(0.3)


async def test_posts_to_other_departments_never_reach_the_subscriber(
    server: LiveServer, seed: Seed
) -> None:
    admin = await server.login("admin@example.com")
    member = await server.login("member@example.com")  # in North, below Sales
    to_root_only = [{"kind": "USER", "id": encode_id("User", seed.head.id)}]
    to_north = [{"kind": "DEPARTMENT", "id": encode_id("Department", seed.north.id)}]
    async with Subscription.open(server, member, FEED) as feed:
        await asyncio.sleep(0.2)
        await server.graphql(POST, {"body": "not for you", "to": to_root_only}, token=admin)
        await server.graphql(POST, {"body": "for North", "to": to_north}, token=admin)
        event = (await feed.next())["feed"]
        assert event["kind"] == "POST_CREATED"
        assert await feed.nothing_for(0.3)


async def test_logout_closes_the_open_subscription(server: LiveServer) -> None:
    member = await server.login("member@example.com")
    async with Subscription.open(server, member, FEED) as feed:
        await asyncio.sleep(0.2)
        await server.graphql("mutation { logout }", token=member)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(feed.connection.recv(), 2)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4401


async def test_a_bad_cursor_is_refused_as_bad_input(server: LiveServer) -> None:
    member = await server.login("member@example.com")
    async with Subscription.open(server, member, FEED, {"after": "garbage"}) as feed:
        import json

        message = json.loads(await asyncio.wait_for(feed.connection.recv(), 5))
        assert message["type"] in ("error", "next")
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_change_of_rights_leaves_open_subscriptions_open(
    server: LiveServer, seed: Seed
) -> None:
    admin = await server.login("admin@example.com")
    member = await server.login("member@example.com")
    async with Subscription.open(server, member, FEED) as feed:
        await asyncio.sleep(0.2)
        role = await server.graphql(
            'mutation { createRole(input: {name: "Readers", description: ""}) { id } }',
            token=admin,
        )
        await server.graphql(
            "mutation($role: ID!, $user: ID!) { assignRole(roleId: $role, userId: $user) { id } }",
            {"role": role["createRole"]["id"], "user": encode_id("User", seed.member.id)},
            token=admin,
        )
        await server.graphql(POST, {"body": "after", "to": TO_ALL}, token=admin)
        assert (await feed.next())["feed"]["kind"] == "POST_CREATED"
