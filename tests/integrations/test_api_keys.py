"""API keys through the public API: a key reads exactly what its user (or its one role)
may; it is shown once and stored hashed; it cannot mint keys, log out or change a password;
revoking it, deleting its role or deactivating its user ends it at once, sockets included."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import select, text
from starlette.applications import Starlette
from websockets import Subprotocol

from models import ApiKey, AuthToken, SessionFactory
from schema.relay import encode_id
from tests.access.test_admin_api import ASSIGN, create_role, set_level
from tests.client import GraphQLClient
from tests.crm.api import default_pipeline
from tests.factories import Seed
from tests.live_server import LiveServer, Subscription, serve

CREATE_KEY = """
mutation($input: CreateApiKeyInput!) {
  createApiKey(input: $input) {
    key
    apiKey { id name prefix user { email } role { name } lastUsedAt expiresAt revokedAt }
  }
}"""
REVOKE_KEY = "mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }"
LIST_KEYS = """
query($all: Boolean!) { apiKeys(includeRevoked: $all) { id prefix lastUsedAt revokedAt } }"""
VIEWER = "{ viewer { email } }"
DEALS = "{ deals(first: 100) { edges { node { id amount } } } }"
CREATE_DEAL = "mutation($input: DealInput!) { createDeal(input: $input) { id } }"
HIDE_AMOUNT = """
mutation($role: ID!) { setFieldRule(roleId: $role, entity: DEAL, field: "amount", rule: HIDDEN) {
  id } }"""


async def create_key(admin: GraphQLClient, user_id: int, **extra: Any) -> dict[str, Any]:
    variables = {"name": "ERP sync", "userId": encode_id("User", user_id)} | extra
    data = await admin.data(CREATE_KEY, {"input": variables})
    created: dict[str, Any] = data["createApiKey"]
    return created


async def deal_of(admin: GraphQLClient, owner_id: int, amount: str) -> str:
    pipeline = await default_pipeline(admin)
    data = await admin.data(
        CREATE_DEAL,
        {
            "input": {
                "title": f"deal of {owner_id}",
                "pipelineId": pipeline["id"],
                "stageId": pipeline["stages"][0]["id"],
                "amount": amount,
                "assignedToId": encode_id("User", owner_id),
                "opened": False,
            }
        },
    )
    deal_id: str = data["createDeal"]["id"]
    return deal_id


def seen(data: dict[str, Any]) -> dict[str, Any]:
    return {edge["node"]["id"]: edge["node"]["amount"] for edge in data["deals"]["edges"]}


async def grant(admin: GraphQLClient, name: str, level: str, user_id: int) -> str:
    role = await create_role(admin, name)
    await set_level(admin, role, "DEAL", "READ", level)
    await admin.data(ASSIGN, {"role": role, "user": encode_id("User", user_id)})
    return role


async def test_a_key_acts_as_its_user_and_is_shown_once(
    admin: GraphQLClient, client: GraphQLClient, seed: Seed, session_factory: SessionFactory
) -> None:
    await grant(admin, "Own deals", "OWN", seed.member.id)
    mine = await deal_of(admin, seed.member.id, "100.00")
    await deal_of(admin, seed.head.id, "200.00")

    created = await create_key(admin, seed.member.id)
    key = created["key"]
    assert key.startswith(created["apiKey"]["prefix"] + "_")
    assert created["apiKey"]["user"] == {"email": "member@example.com"}
    assert created["apiKey"]["lastUsedAt"] is None and created["apiKey"]["expiresAt"] is None

    as_key = await client.data(DEALS, token=key)
    as_member = await client.data(DEALS, token=await client.login("member@example.com"))
    assert seen(as_key) == seen(as_member) == {mine: "100.00"}

    # The header that servers prefer works the same; a wrong key is no one.
    headers = {"X-API-Key": key}
    body = {"query": VIEWER}
    answer = await client.http.post("/graphql", json=body, headers=headers)
    assert answer.json()["data"]["viewer"]["email"] == "member@example.com"
    wrong = await client.http.post("/graphql", json=body, headers={"X-API-Key": key + "x"})
    assert wrong.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    listed = (await admin.data(LIST_KEYS, {"all": False}))["apiKeys"]
    assert [row["prefix"] for row in listed] == [created["apiKey"]["prefix"]]
    assert listed[0]["lastUsedAt"] is not None
    assert key not in json.dumps(listed)
    async with session_factory() as session:
        stored = [
            str(value)
            for table in ("auth_tokens", "api_keys")
            for row in (await session.execute(text(f"SELECT * FROM {table}"))).all()
            for value in row
        ]
    assert key not in stored and key.split("_")[-1] not in " ".join(stored)


async def test_a_key_limited_to_a_role_has_that_role_only_and_is_no_admin(
    admin: GraphQLClient, client: GraphQLClient, seed: Seed
) -> None:
    await grant(admin, "Every deal", "ALL", seed.head.id)
    narrow = await grant(admin, "Own deals, no amounts", "OWN", seed.member.id)
    await admin.data(HIDE_AMOUNT, {"role": narrow})
    own = await deal_of(admin, seed.head.id, "300.00")
    others = await deal_of(admin, seed.member.id, "400.00")

    head_key = (await create_key(admin, seed.head.id, roleId=narrow))["key"]
    assert seen(await client.data(DEALS, token=head_key)) == {own: None}
    head = await client.login("head@example.com")
    assert seen(await client.data(DEALS, token=head)) == {own: "300.00", others: "400.00"}

    admin_key = (await create_key(admin, seed.admin.id, roleId=narrow))["key"]
    refused = await client.request(LIST_KEYS, {"all": True}, token=admin_key)
    assert refused.code == "FORBIDDEN"
    assert seen(await client.data(DEALS, token=admin_key)) == {}


async def test_what_a_key_may_not_do(
    admin: GraphQLClient, client: GraphQLClient, seed: Seed
) -> None:
    admin_key = (await create_key(admin, seed.admin.id))["key"]
    # An admin's key acts as the admin, but may not mint or revoke keys.
    assert (await client.data(LIST_KEYS, {"all": True}, token=admin_key))["apiKeys"]
    minted = await client.request(
        CREATE_KEY,
        {"input": {"name": "x", "userId": encode_id("User", seed.member.id)}},
        token=admin_key,
    )
    assert minted.code == "FORBIDDEN"
    listed = (await admin.data(LIST_KEYS, {"all": True}))["apiKeys"]
    revoked = await client.request(REVOKE_KEY, {"id": listed[0]["id"]}, token=admin_key)
    assert revoked.code == "FORBIDDEN"
    assert (await client.request("mutation { logout }", token=admin_key)).code == "FORBIDDEN"
    password = await client.request(
        'mutation($id: ID!) { updateUser(id: $id, input: {password: "a brand new one"}) { id } }',
        {"id": encode_id("User", seed.member.id)},
        token=admin_key,
    )
    assert (password.code, password.error_field) == ("FORBIDDEN", "password")
    assert (await client.data(VIEWER, token=admin_key))["viewer"]["email"] == "admin@example.com"

    member = await client.login("member@example.com")
    by_member = await client.request(
        CREATE_KEY,
        {"input": {"name": "x", "userId": encode_id("User", seed.member.id)}},
        token=member,
    )
    assert by_member.code == "FORBIDDEN"


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"name": "  "}, "BAD_USER_INPUT", "name"),
        ({"name": "x" * 101}, "BAD_USER_INPUT", "name"),
        ({"expiresAt": "2020-01-01T00:00:00Z"}, "BAD_USER_INPUT", "expiresAt"),
        ({"roleId": encode_id("Role", 999)}, "NOT_FOUND", "roleId"),
        ({"userId": encode_id("User", 999)}, "NOT_FOUND", "userId"),
        ({"userId": encode_id("Role", 1)}, "BAD_USER_INPUT", "userId"),
    ],
)
async def test_bad_input_creates_no_key(
    admin: GraphQLClient,
    seed: Seed,
    session_factory: SessionFactory,
    change: dict[str, Any],
    code: str,
    field: str,
) -> None:
    variables = {"name": "ok", "userId": encode_id("User", seed.member.id)} | change
    answer = await admin.request(CREATE_KEY, {"input": variables})
    assert (answer.code, answer.error_field) == (code, field)
    async with session_factory() as session:
        assert (await session.scalars(select(ApiKey))).all() == []
        assert (await session.scalars(select(AuthToken))).all() != []  # the admin's login


async def test_revoking_a_key_deleting_its_role_or_deactivating_its_user_ends_it(
    admin: GraphQLClient, client: GraphQLClient, seed: Seed
) -> None:
    revoked = await create_key(admin, seed.member.id)
    answer = await admin.data(REVOKE_KEY, {"id": revoked["apiKey"]["id"]})
    assert answer["revokeApiKey"]["revokedAt"] is not None
    assert (await client.request(VIEWER, token=revoked["key"])).code == "UNAUTHENTICATED"
    assert (await admin.data(LIST_KEYS, {"all": False}))["apiKeys"] == []
    assert len((await admin.data(LIST_KEYS, {"all": True}))["apiKeys"]) == 1

    role = await create_role(admin, "Temporary")
    limited = (await create_key(admin, seed.member.id, roleId=role))["key"]
    assert (await client.data(VIEWER, token=limited))["viewer"]["email"] == "member@example.com"
    await admin.data("mutation($id: ID!) { deleteRole(id: $id) }", {"id": role})
    assert (await client.request(VIEWER, token=limited)).code == "UNAUTHENTICATED"

    # A new password ends the user's sessions, not the keys an admin issued for them...
    kept = (await create_key(admin, seed.member.id))["key"]
    member = encode_id("User", seed.member.id)
    await admin.data(
        'mutation($id: ID!) { updateUser(id: $id, input: {password: "a brand new one"}) { id } }',
        {"id": member},
    )
    assert (await client.data(VIEWER, token=kept))["viewer"]["email"] == "member@example.com"
    # ...deactivating the user ends them too.
    await admin.data("mutation($id: ID!) { deactivateUser(id: $id) { id } }", {"id": member})
    assert (await client.request(VIEWER, token=kept)).code == "UNAUTHENTICATED"


@pytest.fixture
async def server(app: Starlette, seed: Seed) -> AsyncIterator[LiveServer]:
    async with serve(app) as live:
        yield live


async def test_a_key_subscribes_and_its_socket_closes_when_it_is_revoked(
    server: LiveServer, seed: Seed
) -> None:
    admin = await server.login("admin@example.com")
    created = (
        await server.graphql(
            CREATE_KEY,
            {"input": {"name": "feed", "userId": encode_id("User", seed.member.id)}},
            token=admin,
        )
    )["createApiKey"]
    async with Subscription.open(server, created["key"], "subscription { feed { kind } }") as sub:
        await asyncio.sleep(0.2)
        await server.graphql(REVOKE_KEY, {"id": created["apiKey"]["id"]}, token=admin)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(sub.connection.recv(), 2)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_a_key_in_the_connection_init_payload_under_x_api_key(
    server: LiveServer, seed: Seed
) -> None:
    admin = await server.login("admin@example.com")
    key = (
        await server.graphql(
            CREATE_KEY,
            {"input": {"name": "ws", "userId": encode_id("User", seed.member.id)}},
            token=admin,
        )
    )["createApiKey"]["key"]
    async with websockets.connect(
        server.ws_url, subprotocols=[Subprotocol("graphql-transport-ws")]
    ) as connection:
        init = {"type": "connection_init", "payload": {"headers": {"X-API-Key": key}}}
        await connection.send(json.dumps(init))
        assert json.loads(await asyncio.wait_for(connection.recv(), 5))["type"] == "connection_ack"
        await connection.send(
            json.dumps({"type": "subscribe", "id": "1", "payload": {"query": VIEWER}})
        )
        answer = json.loads(await asyncio.wait_for(connection.recv(), 5))
        assert answer["payload"]["data"]["viewer"]["email"] == "member@example.com"
    async with httpx.AsyncClient(base_url=server.url) as http:
        body = {"query": VIEWER}
        refused = await http.post("/graphql", json=body, headers={"X-API-Key": "crmk_nonsense"})
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
