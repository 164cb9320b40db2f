"""`leadReportChanged` over real websockets: a lead the subscriber sees, created, edited,
reassigned or deleted, updates its figures within the coalescing window, to the figures
`leadReport` gives at that moment and to the count of the leads it reads through `leads`;
leads it may not read push nothing; bursts are coalesced."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette

from tests.client import GraphQLClient
from tests.live_server import LiveServer, Subscription, serve
from tests.reports.conftest import HEAD, INTERN
from tests.reports.live_helpers import burst, pushed_after, user_id

GROUPS = "key { statusId } count converted"
LEAD_REPORT_CHANGED = f"subscription {{ leadReportChanged(groupBy: [STATUS]) {{ {GROUPS} }} }}"
LEAD_REPORT = f"{{ leadReport(groupBy: [STATUS]) {{ {GROUPS} }} }}"
LEADS = """query($after: String) { leads(first: 100, after: $after) {
  edges { node { status { id } convertedAt } } pageInfo { hasNextPage endCursor } } }"""
CREATE = """mutation($title: String!, $to: ID) {
  createLead(input: {title: $title, assignedToId: $to}) { id } }"""
UPDATE = "mutation($id: ID!, $input: LeadPatch!) { updateLead(id: $id, input: $input) { id } }"
DELETE = "mutation($id: ID!) { deleteLead(id: $id) }"
STATUSES = "{ leadStatuses { id semantics } }"
Change = Callable[[], Awaitable[Any]]


def by_status(groups: list[dict[str, Any]]) -> dict[str | None, tuple[int, int]]:
    return {group["key"]["statusId"]: (group["count"], group["converted"]) for group in groups}


async def oracle(server: LiveServer, token: str) -> dict[str | None, tuple[int, int]]:
    """The figures counted in Python from the leads the viewer reads through `leads`."""
    counts: Counter[str | None] = Counter()
    converted: Counter[str | None] = Counter()
    after = None
    while True:
        page = (await server.graphql(LEADS, {"after": after}, token=token))["leads"]
        for edge in page["edges"]:
            status = edge["node"]["status"]
            key = None if status is None else status["id"]
            counts[key] += 1
            converted[key] += edge["node"]["convertedAt"] is not None
        if not page["pageInfo"]["hasNextPage"]:
            return {key: (count, converted[key]) for key, count in counts.items()}
        after = page["pageInfo"]["endCursor"]


async def assert_current(server: LiveServer, token: str, groups: list[dict[str, Any]]) -> None:
    """Pushed figures are the query's at the same moment, and the oracle's."""
    assert by_status(groups) == by_status(
        (await server.graphql(LEAD_REPORT, token=token))["leadReport"]
    )
    assert by_status(groups) == await oracle(server, token)


def total(groups: list[dict[str, Any]]) -> int:
    return sum(group["count"] for group in groups)


async def test_leads_the_head_sees_update_her_lead_report(
    app: Starlette, demo: GraphQLClient
) -> None:
    async with serve(app) as server:
        head = await server.login(HEAD)
        statuses = [s["id"] for s in (await server.graphql(STATUSES, token=head))["leadStatuses"]]
        async with Subscription.open(server, head, LEAD_REPORT_CHANGED) as report:
            first = (await report.next())["leadReportChanged"]
            await assert_current(server, head, first)
            created: dict[str, Any] = {}

            async def create() -> None:
                created.update(await server.graphql(CREATE, {"title": "Live lead"}, token=head))

            after_create = await pushed_after(report, "leadReportChanged", create)
            assert total(after_create) == total(first) + 1
            await assert_current(server, head, after_create)
            lead = created["createLead"]["id"]

            async def edit() -> None:
                status = statuses[-1]
                await server.graphql(UPDATE, {"id": lead, "input": {"statusId": status}}, head)

            edited = await pushed_after(report, "leadReportChanged", edit)
            assert by_status(edited) != by_status(after_create)
            await assert_current(server, head, edited)

            async def delete() -> None:
                await server.graphql(DELETE, {"id": lead}, token=head)

            deleted = await pushed_after(report, "leadReportChanged", delete)
            assert by_status(deleted) == by_status(first)
            await assert_current(server, head, deleted)

            # A burst of five leads: at most about one push a second, the last one all of it.
            def create_numbered(number: int) -> Change:
                return lambda: server.graphql(CREATE, {"title": f"Burst {number}"}, token=head)

            pushes = await burst(
                report, "leadReportChanged", [create_numbered(n) for n in range(5)]
            )
            assert total(pushes[-1]) == total(first) + 5
            await assert_current(server, head, pushes[-1])


async def test_the_intern_is_told_only_of_the_leads_he_reads(
    app: Starlette, demo: GraphQLClient
) -> None:
    async with serve(app) as server:
        head = await server.login(HEAD)
        intern = await server.login(INTERN)
        intern_id = await user_id(server, intern)
        async with Subscription.open(server, intern, LEAD_REPORT_CHANGED) as report:
            first = (await report.next())["leadReportChanged"]
            await assert_current(server, intern, first)
            # The head's own lead: the intern may not read it (OWN), nothing is pushed.
            hidden = await server.graphql(CREATE, {"title": "Not his"}, token=head)
            assert await report.nothing_for(1.5)
            await server.graphql(
                UPDATE, {"id": hidden["createLead"]["id"], "input": {"title": "Still not"}}, head
            )
            assert await report.nothing_for(1.5)
            await assert_current(server, intern, first)
            created: dict[str, Any] = {}

            async def assign_to_him() -> None:
                variables = {"title": "His", "to": intern_id}
                created.update(await server.graphql(CREATE, variables, token=head))

            his = await pushed_after(report, "leadReportChanged", assign_to_him)
            assert total(his) == total(first) + 1
            await assert_current(server, intern, his)

            # Reassigned away from him: the lead leaves his sight, his figures say so.
            async def reassign() -> None:
                patch = {"assignedToId": await user_id(server, head)}
                await server.graphql(
                    UPDATE, {"id": created["createLead"]["id"], "input": patch}, head
                )

            gone = await pushed_after(report, "leadReportChanged", reassign)
            assert by_status(gone) == by_status(first)
            await assert_current(server, intern, gone)
