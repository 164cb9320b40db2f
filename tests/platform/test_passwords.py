"""Which passwords may be chosen, and what changing one asks and ends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import websockets
from starlette.applications import Starlette

from crmhub.demo import create_user_directly
from crmhub.settings import Settings
from resolvers.errors import BadInput
from tests.client import GraphQLClient
from tests.factories import Seed
from tests.live_server import LiveServer, Subscription, serve

CREATE = "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }"
UPDATE = (
    "mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id } }"
)
LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }"
VIEWER = "{ viewer { id } }"
WEAK = ["        ", " \t \n    ", "12345678", "Password1", "QWERTY123", "   short   ", "1234567"]


async def _id(client: GraphQLClient, token: str | None = None) -> str:
    return str((await client.data(VIEWER, token=token))["viewer"]["id"])


async def test_blank_short_and_common_passwords_are_refused(
    admin: GraphQLClient, member: GraphQLClient, seed: Seed
) -> None:
    me = await _id(member)
    for weak in WEAK:
        created = await admin.request(
            CREATE, {"input": {"email": "new@example.com", "name": "New", "password": weak}}
        )
        own = await member.request(
            UPDATE, {"id": me, "input": {"password": weak, "currentPassword": "demo"}}
        )
        reset = await admin.request(UPDATE, {"id": me, "input": {"password": weak}})
        for response in (created, own, reset):
            assert (response.code, response.error_field) == ("BAD_USER_INPUT", "password"), weak
    await admin.data(
        CREATE, {"input": {"email": "new@example.com", "name": "New", "password": "a long phrase"}}
    )


async def test_createuser_on_the_command_line_applies_the_same_rules(
    settings: Settings, seed: Seed
) -> None:
    with pytest.raises(BadInput) as refused:
        await create_user_directly(settings, "cli@example.com", "Cli", "12345678", is_admin=True)
    assert refused.value.field == "password"


async def test_changing_ones_password_needs_the_current_one(
    client: GraphQLClient, member: GraphQLClient, seed: Seed
) -> None:
    me = await _id(member)
    missing = await member.request(UPDATE, {"id": me, "input": {"password": "a new secret"}})
    assert (missing.code, missing.error_field) == ("BAD_USER_INPUT", "currentPassword")
    for _ in range(5):
        wrong = await member.request(
            UPDATE, {"id": me, "input": {"password": "a new secret", "currentPassword": "guess"}}
        )
        assert (wrong.code, wrong.error_field) == ("FORBIDDEN", "currentPassword")
    # Each wrong current password counted as a failed login from this address.
    throttled = await member.request(
        UPDATE, {"id": me, "input": {"password": "a new secret", "currentPassword": "demo"}}
    )
    assert throttled.code == "RATE_LIMITED"
    assert (await client.request(LOGIN, {"e": "member@example.com", "p": "demo"})).code == (
        "RATE_LIMITED"
    )


async def test_a_new_password_ends_ones_other_sessions_only(
    client: GraphQLClient, seed: Seed
) -> None:
    here, elsewhere = (
        await client.login("member@example.com"),
        await client.login("member@example.com"),
    )
    me = await _id(client, here)
    await client.data(
        UPDATE,
        {"id": me, "input": {"password": "a new secret", "currentPassword": "demo"}},
        token=here,
    )
    assert await _id(client, here) == me
    assert (await client.request(VIEWER, token=elsewhere)).code == "UNAUTHENTICATED"
    await client.login("member@example.com", "a new secret")


async def test_an_admin_setting_a_password_ends_every_session_of_that_user(
    admin: GraphQLClient, client: GraphQLClient, seed: Seed
) -> None:
    first, second = await client.login("head@example.com"), await client.login("head@example.com")
    head = await _id(client, first)
    await admin.data(UPDATE, {"id": head, "input": {"password": "set by the admin"}})
    for token in (first, second):
        assert (await client.request(VIEWER, token=token)).code == "UNAUTHENTICATED"
    assert await _id(admin)  # the admin's own session goes on


@pytest.fixture
async def server(app: Starlette, seed: Seed) -> AsyncIterator[LiveServer]:
    async with serve(app) as live:
        yield live


async def test_the_other_sessions_open_sockets_close_as_on_logout(server: LiveServer) -> None:
    here, elsewhere = (
        await server.login("member@example.com"),
        await server.login("member@example.com"),
    )
    me = (await server.graphql(VIEWER, token=here))["viewer"]["id"]
    feed = "subscription { feed { kind } }"
    async with Subscription.open(server, elsewhere, feed) as subscription:
        await asyncio.sleep(0.2)
        change = {"password": "a new secret", "currentPassword": "demo"}
        await server.graphql(UPDATE, {"id": me, "input": change}, token=here)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(subscription.connection.recv(), 2)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4401
