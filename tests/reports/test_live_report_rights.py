"""Live reports follow the subscriber's rights as every subscription does: a change of rights
recomputes the figures under the new rights (no record changed), and a revoked token ends
the stream with close code 4401."""

from __future__ import annotations

import asyncio

import pytest
import websockets
from starlette.applications import Starlette

from tests.client import GraphQLClient
from tests.live_server import Subscription, serve
from tests.reports.conftest import INTERN
from tests.reports.test_live_lead_report import LEAD_REPORT_CHANGED, assert_current, total
from tests.reports.test_live_pulse import PULSE_CHANGED

ADMIN = "admin@example.com"
ROLES = "{ roles(first: 10) { edges { node { id name } } } }"
READ_LEADS = """mutation($role: ID!) {
  setRolePermission(roleId: $role, entity: LEAD, action: READ, level: ALL) { id } }"""


async def test_a_change_of_rights_recomputes_the_figures_under_the_new_rights(
    app: Starlette, demo: GraphQLClient
) -> None:
    async with serve(app) as server:
        admin, intern = await server.login(ADMIN), await server.login(INTERN)
        roles = (await server.graphql(ROLES, token=admin))["roles"]["edges"]
        role = next(edge["node"]["id"] for edge in roles if edge["node"]["name"] == "Intern")
        async with Subscription.open(server, intern, LEAD_REPORT_CHANGED) as report:
            first = (await report.next())["leadReportChanged"]
            await assert_current(server, intern, first)
            await server.graphql(READ_LEADS, {"role": role}, token=admin)
            widened = (await report.next())["leadReportChanged"]
            assert total(widened) > total(first)
            await assert_current(server, intern, widened)


@pytest.mark.parametrize("subscription", [LEAD_REPORT_CHANGED, PULSE_CHANGED])
async def test_logging_out_ends_a_live_report_with_4401(
    app: Starlette, demo: GraphQLClient, subscription: str
) -> None:
    async with serve(app) as server:
        intern = await server.login(INTERN)
        async with Subscription.open(server, intern, subscription) as report:
            await report.next()
            await server.graphql("mutation { logout }", token=intern)
            with pytest.raises(websockets.ConnectionClosed) as closed:
                while True:
                    await asyncio.wait_for(report.connection.recv(), 2)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 4401
