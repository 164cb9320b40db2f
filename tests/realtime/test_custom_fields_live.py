"""Custom fields live: `dealChanged` names a changed custom field by its code, but not to
whom it is hidden; a field added through one process is usable through another at once
(definitions are read per request, never cached across requests)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from starlette.applications import Starlette

from tests.collaboration.factories import Company, Users, gid
from tests.crm_feed.world import sales_world
from tests.factories import Seed
from tests.live_server import Subscription, serve
from tests.realtime.test_two_processes import _two_processes
from tests.redis_server import private_redis

DEAL_CHANGED = """subscription {
  dealChanged { kind changedFields deal { customFields { field values { string } } } }
}"""
CREATE_FIELD = """mutation($code: String!) {
  createCustomField(input: {entity: DEAL, code: $code, name: $code, kind: STRING}) { id }
}"""
DELETE_FIELD = "mutation($id: ID!) { deleteCustomField(id: $id, confirm: true) }"
CREATE = "mutation($input: DealInput!) { createDeal(input: $input) { id } }"
UPDATE = "mutation($id: ID!, $input: DealPatch!) { updateDeal(id: $id, input: $input) { id } }"
ROLES = "{ roles(first: 20) { edges { node { id name } } } }"
HIDE = """mutation($role: ID!) {
  setFieldRule(roleId: $role, entity: DEAL, field: "UF_SECRET", rule: HIDDEN) { id }
}"""
COUNT = """query($code: String!) {
  deals(filter: {custom: [{field: $code, eq: "v"}]}) { totalCount }
}"""


def _set(*codes: str) -> dict[str, object]:
    return {"customFields": [{"field": code, "values": [{"string": "v"}]} for code in codes]}


async def test_deal_changed_leaves_out_hidden_custom_fields(
    app: Starlette, company: Company, users: Users
) -> None:
    await sales_world(company, users)  # Nina reads her own deals
    async with serve(app) as server:
        ada = await server.login(company.ada.email)
        nina = await server.login(company.nina.email)
        for code in ("UF_OPEN", "UF_SECRET"):
            await server.graphql(CREATE_FIELD, {"code": code}, token=ada)
        roles = (await server.graphql(ROLES, token=ada))["roles"]["edges"]
        role = next(edge["node"]["id"] for edge in roles if edge["node"]["name"] == "Deal reader")
        await server.graphql(HIDE, {"role": role}, token=ada)
        created = await server.graphql(
            CREATE, {"input": {"title": "d", "assignedToId": gid("User", company.nina.id)}}, ada
        )
        deal = created["createDeal"]["id"]
        async with Subscription.open(server, nina, DEAL_CHANGED) as changes:
            await asyncio.sleep(0.2)
            await server.graphql(UPDATE, {"id": deal, "input": _set("UF_OPEN", "UF_SECRET")}, ada)
            event = (await changes.next())["dealChanged"]
            assert event["kind"] == "UPDATED"
            assert event["changedFields"] == ["UF_OPEN"]
            assert event["deal"]["customFields"] == [
                {"field": "UF_OPEN", "values": [{"string": "v"}]}
            ]
            await server.graphql(UPDATE, {"id": deal, "input": _set("UF_SECRET")}, ada)
            assert await changes.nothing_for(0.3)


async def test_a_field_added_through_one_process_is_usable_through_another(
    database_url: str, seed: Seed, tmp_path: Path
) -> None:
    with private_redis(tmp_path) as redis_server:
        async with _two_processes(database_url, redis_server.url, tmp_path) as (first, second):
            on_first = await first.login("admin@example.com")
            on_second = await second.login("admin@example.com")
            # Each process has read the (empty) definitions before the field exists.
            assert await second.graphql(CREATE, {"input": {"title": "a"}}, on_second)
            added = await first.graphql(CREATE_FIELD, {"code": "UF_NEW"}, on_first)
            field = added["createCustomField"]["id"]
            await second.graphql(CREATE, {"input": {"title": "b"} | _set("UF_NEW")}, on_second)
            count = await second.graphql(COUNT, {"code": "UF_NEW"}, on_second)
            assert count["deals"]["totalCount"] == 1
            assert (await first.graphql(COUNT, {"code": "UF_NEW"}, on_first))["deals"][
                "totalCount"
            ] == 1
            await second.graphql(DELETE_FIELD, {"id": field}, on_second)
            async with httpx.AsyncClient(base_url=first.url) as http:
                answer = await http.post(
                    "/graphql",
                    json={"query": COUNT, "variables": {"code": "UF_NEW"}},
                    headers={"Authorization": f"Bearer {on_first}"},
                )
            assert answer.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
