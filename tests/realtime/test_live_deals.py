"""`dealChanged` over real websockets: readers only, hidden fields left out, HIDDEN once."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.applications import Starlette

from tests.collaboration.factories import Company, Users, gid
from tests.crm_feed.world import sales_world, won_stage
from tests.live_server import Subscription, serve

DEAL_CHANGED = """subscription($deal: ID) {
  dealChanged(dealId: $deal) { kind dealId changedFields cursor deal { title amount } }
}"""
CREATE = """mutation($input: DealInput!) {
  createDeal(input: $input) { id stage { id } pipeline { stages { id name semantics } } }
}"""
UPDATE = "mutation($id: ID!, $input: DealPatch!) { updateDeal(id: $id, input: $input) { id } }"
MOVE = "mutation($id: ID!, $s: ID!) { moveDeal(id: $id, stageId: $s) { id } }"


def _deal(title: str, responsible_id: int) -> dict[str, Any]:
    return {"input": {"title": title, "amount": "5", "assignedToId": gid("User", responsible_id)}}


async def test_readers_see_their_deals_change_and_leave(
    app: Starlette, company: Company, users: Users
) -> None:
    await sales_world(company, users)  # Nina reads her own deals, amounts hidden
    async with serve(app) as server:
        nina = await server.login(company.nina.email)
        owen = await server.login(company.owen.email)
        ada = await server.login(company.ada.email)
        async with (
            Subscription.open(server, nina, DEAL_CHANGED) as nina_deals,
            Subscription.open(server, owen, DEAL_CHANGED) as owen_deals,
        ):
            await asyncio.sleep(0.2)
            create = await server.graphql(CREATE, _deal("Mine", company.nina.id), token=ada)
            deal = create["createDeal"]
            await server.graphql(CREATE, _deal("Not mine", company.ada.id), token=ada)
            created = (await nina_deals.next())["dealChanged"]
            assert created["kind"] == "CREATED"
            assert created["dealId"] == deal["id"]
            assert "amount" not in created["changedFields"]
            assert created["deal"] == {"title": "Mine", "amount": None}

            await server.graphql(
                UPDATE, {"id": deal["id"], "input": {"title": "Mine, renamed"}}, token=ada
            )
            updated = (await nina_deals.next())["dealChanged"]
            assert (updated["kind"], updated["changedFields"]) == ("UPDATED", ["title"])

            await server.graphql(
                UPDATE,
                {"id": deal["id"], "input": {"assignedToId": gid("User", company.ada.id)}},
                token=ada,
            )
            hidden = (await nina_deals.next())["dealChanged"]
            assert hidden == {
                "kind": "HIDDEN",
                "dealId": deal["id"],
                "changedFields": [],
                "cursor": hidden["cursor"],
                "deal": None,
            }
            await server.graphql(MOVE, {"id": deal["id"], "s": won_stage(deal)["id"]}, token=ada)
            assert await nina_deals.nothing_for(0.3)
            assert await owen_deals.nothing_for(0.1)
