"""`dealReportChanged` grouped by SOURCE or COMPANY, over real websockets: a lead's source or
a company changed where the subscriber sees it moves its deals between groups within the
coalescing window, to `dealReport`'s figures of the moment and to the groups counted in
Python from the deals the subscriber reads; a lead or company it may not read pushes
nothing."""

from __future__ import annotations

from collections import Counter
from typing import Any

from starlette.applications import Starlette

from tests.client import GraphQLClient
from tests.live_server import LiveServer, Subscription, serve
from tests.reports.conftest import HEAD
from tests.reports.live_helpers import pushed_after, pushes_until_quiet, user_id

ADMIN, MARKETER = "admin@example.com", "ivan.petrov@example.com"
CHANGED = "subscription {{ dealReportChanged(groupBy: [{dimension}]) {{ {groups} }} }}"
REPORT = "{{ dealReport(groupBy: [{dimension}]) {{ {groups} }} }}"
GROUPS = "groups {{ key {{ {key} }} count }}"
DEALS = """query($after: String) {{ deals(first: 100, after: $after) {{
  edges {{ node {{ {link} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"""
CREATE_LEAD = """mutation($s: ID!, $to: ID) {
  createLead(input: {title: "Sourced", sourceId: $s, assignedToId: $to}) { id } }"""
CONVERT = (
    """mutation($id: ID!) { convertLead(id: $id, input: {createDeal: true}) { deal { id } } }"""
)
UPDATE_LEAD = "mutation($id: ID!, $s: ID!) { updateLead(id: $id, input: {sourceId: $s}) { id } }"
CREATE_COMPANY = """mutation($to: ID) {
  createCompany(input: {title: "Linked", assignedToId: $to}) { id } }"""
CREATE_DEAL = """mutation($c: ID!) { createDeal(input: {title: "Of a company", companyId: $c}) {
  id } }"""
UPDATE_COMPANY = """mutation($id: ID!, $input: CompanyPatch!) {
  updateCompany(id: $id, input: $input) { id } }"""


class Report:
    """A viewer's deal report by one link: subscription text, query and oracle."""

    def __init__(self, server: LiveServer, token: str, dimension: str) -> None:
        self.server, self.token = server, token
        self.key = {"SOURCE": "sourceId", "COMPANY": "companyId"}[dimension]
        groups = GROUPS.format(key=self.key)
        self.subscription = CHANGED.format(dimension=dimension, groups=groups)
        self.query = REPORT.format(dimension=dimension, groups=groups)
        link = "sourceLead { source { id } }" if dimension == "SOURCE" else "company { id }"
        self.deals = DEALS.format(link=link)

    def counts(self, report: dict[str, Any]) -> dict[str | None, int]:
        return {group["key"][self.key]: group["count"] for group in report["groups"]}

    async def expected(self) -> dict[str | None, int]:
        """The groups counted in Python from the deals the viewer reads through `deals`."""
        counted: Counter[str | None] = Counter()
        after = None
        while True:
            page = (await self.server.graphql(self.deals, {"after": after}, self.token))["deals"]
            for edge in page["edges"]:
                counted[self._key(edge["node"])] += 1
            if not page["pageInfo"]["hasNextPage"]:
                return dict(counted)
            after = page["pageInfo"]["endCursor"]

    def _key(self, deal: dict[str, Any]) -> str | None:
        if self.key == "companyId":
            return deal["company"]["id"] if deal["company"] else None
        lead = deal["sourceLead"]
        return lead["source"]["id"] if lead and lead["source"] else None

    async def assert_current(self, pushed: dict[str, Any]) -> None:
        queried = (await self.server.graphql(self.query, token=self.token))["dealReport"]
        assert self.counts(pushed) == self.counts(queried)
        assert self.counts(pushed) == await self.expected()


async def test_a_lead_source_changed_moves_its_deal_between_source_groups(
    app: Starlette, demo: GraphQLClient
) -> None:
    async with serve(app) as server:
        head, admin = await server.login(HEAD), await server.login(ADMIN)
        marketer = await user_id(server, await server.login(MARKETER))
        report = Report(server, head, "SOURCE")
        sources = [
            s["id"]
            for s in (await server.graphql("{ leadSources { id } }", token=head))["leadSources"]
        ]
        first_source, second_source = sources[0], sources[1]
        async with Subscription.open(server, head, report.subscription) as subscription:
            await report.assert_current((await subscription.next())["dealReportChanged"])
            made = await server.graphql(CREATE_LEAD, {"s": first_source}, token=head)
            lead = made["createLead"]["id"]
            await server.graphql(CONVERT, {"id": lead}, token=head)
            settled = (await pushes_until_quiet(subscription, "dealReportChanged"))[-1][1]
            await report.assert_current(settled)

            # A lead the head may not read (a marketer's), converted and re-sourced: nothing.
            hidden = await server.graphql(CREATE_LEAD, {"s": first_source, "to": marketer}, admin)
            await server.graphql(CONVERT, {"id": hidden["createLead"]["id"]}, token=admin)
            await server.graphql(
                UPDATE_LEAD, {"id": hidden["createLead"]["id"], "s": second_source}, admin
            )
            assert await subscription.nothing_for(1.5)
            await report.assert_current(settled)

            async def resource() -> None:
                await server.graphql(UPDATE_LEAD, {"id": lead, "s": second_source}, token=head)

            moved = await pushed_after(subscription, "dealReportChanged", resource)
            await report.assert_current(moved)
            before, after = report.counts(settled), report.counts(moved)
            assert after.get(first_source, 0) == before[first_source] - 1
            assert after.get(second_source, 0) == before.get(second_source, 0) + 1


async def test_a_company_leaving_sight_moves_its_deals_to_no_company(
    app: Starlette, demo: GraphQLClient
) -> None:
    async with serve(app) as server:
        head, admin = await server.login(HEAD), await server.login(ADMIN)
        marketer = await user_id(server, await server.login(MARKETER))
        report = Report(server, head, "COMPANY")
        async with Subscription.open(server, head, report.subscription) as subscription:
            await report.assert_current((await subscription.next())["dealReportChanged"])
            company = (await server.graphql(CREATE_COMPANY, {}, token=head))["createCompany"]["id"]
            await server.graphql(CREATE_DEAL, {"c": company}, token=head)
            settled = (await pushes_until_quiet(subscription, "dealReportChanged"))[-1][1]
            await report.assert_current(settled)
            assert report.counts(settled)[company] == 1

            # A company the head may not read, changed: nothing.
            other = await server.graphql(CREATE_COMPANY, {"to": marketer}, token=admin)
            patch = {"title": "Renamed"}
            await server.graphql(
                UPDATE_COMPANY, {"id": other["createCompany"]["id"], "input": patch}, admin
            )
            assert await subscription.nothing_for(1.5)

            # The head's company handed to a marketer: she no longer reads it, so its deal
            # shows no company to her.
            async def hand_over() -> None:
                patch = {"assignedToId": marketer}
                await server.graphql(UPDATE_COMPANY, {"id": company, "input": patch}, admin)

            moved = await pushed_after(subscription, "dealReportChanged", hand_over)
            await report.assert_current(moved)
            before, after = report.counts(settled), report.counts(moved)
            assert company not in after
            assert after[None] == before.get(None, 0) + 1
