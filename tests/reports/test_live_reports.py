"""Live reports over real websockets: a deal moved to won updates a subscribed funnel within
a second; changes the subscriber does not see push nothing; bursts are coalesced."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from starlette.applications import Starlette

from tests.client import GraphQLClient
from tests.live_server import Subscription, serve
from tests.reports.conftest import HEAD, INTERN

FUNNEL_CHANGED = """subscription($p: ID!) { funnelChanged(pipelineId: $p) {
  deals won stages { stageId reached } } }"""
REPORT_CHANGED = """subscription { dealReportChanged(groupBy: [SEMANTICS]) {
  groups { key { semantics } count } } }"""
OPEN_DEALS = """query($p: ID!) { pipelines { id stages { id semantics } }
  deals(first: 5, filter: {pipelineId: {eq: $p}, closedAt: {isNull: true}}) {
  edges { node { id } } } }"""
MOVE = "mutation($d: ID!, $s: ID!) { moveDeal(id: $d, stageId: $s) { id } }"


async def sales_pipeline(server: Any, token: str) -> tuple[str, str, list[str]]:
    pipelines = (await server.graphql("{ pipelines { id } }", token=token))["pipelines"]
    pipeline = pipelines[0]["id"]
    data = await server.graphql(OPEN_DEALS, {"p": pipeline}, token=token)
    stages = next(p["stages"] for p in data["pipelines"] if p["id"] == pipeline)
    won = next(stage["id"] for stage in stages if stage["semantics"] == "SUCCESS")
    return pipeline, won, [edge["node"]["id"] for edge in data["deals"]["edges"]]


async def test_a_deal_moved_to_won_updates_a_subscribed_funnel_within_a_second(
    app: Starlette, demo: GraphQLClient
) -> None:
    async with serve(app) as server:
        head = await server.login(HEAD)
        pipeline, won_stage, open_deals = await sales_pipeline(server, head)
        async with Subscription.open(server, head, FUNNEL_CHANGED, {"p": pipeline}) as funnel:
            first = (await funnel.next())["funnelChanged"]
            # Past the coalescing window of the first figures: the next change is pushed at once.
            await asyncio.sleep(1.0)
            await server.graphql(MOVE, {"d": open_deals[0], "s": won_stage}, token=head)
            moved_at = time.monotonic()
            updated = (await funnel.next())["funnelChanged"]
            assert time.monotonic() - moved_at < 1.0
            assert updated["won"] == first["won"] + 1
            assert updated["deals"] == first["deals"]

            # A burst of changes is coalesced: one update carries them all.
            for deal in open_deals[1:4]:
                await server.graphql(MOVE, {"d": deal, "s": won_stage}, token=head)
            burst = (await funnel.next())["funnelChanged"]
            if burst["won"] != updated["won"] + 3:  # the burst straddled a window
                burst = (await funnel.next())["funnelChanged"]
            assert burst["won"] == updated["won"] + 3
            assert await funnel.nothing_for(1.2)


async def test_the_intern_is_not_told_of_deals_he_cannot_read(
    app: Starlette, demo: GraphQLClient
) -> None:
    async with serve(app) as server:
        head = await server.login(HEAD)
        intern = await server.login(INTERN)
        _pipeline, won_stage, open_deals = await sales_pipeline(server, head)
        intern_open = await sales_pipeline(server, intern)
        async with Subscription.open(server, intern, REPORT_CHANGED) as report:
            first = (await report.next())["dealReportChanged"]
            assert "SUCCESS" not in {group["key"]["semantics"] for group in first["groups"]}
            others = [deal for deal in open_deals if deal not in intern_open[2]]
            await server.graphql(MOVE, {"d": others[0], "s": won_stage}, token=head)
            assert await report.nothing_for(1.5)
            # His own deal, won: it leaves his sight, and his figures say so.
            assert intern_open[2]
            await server.graphql(MOVE, {"d": intern_open[2][0], "s": won_stage}, token=head)
            updated = (await report.next())["dealReportChanged"]
            count = sum(group["count"] for group in updated["groups"])
            assert count == sum(group["count"] for group in first["groups"]) - 1
