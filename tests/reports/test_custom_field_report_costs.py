"""What grouping by a custom field costs, and where its figures come from: as many
statements for 2 groups as for 12 (no query per group), never the deal tallies; and the
live report takes the same custom filter and grouping as the query."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from starlette.applications import Starlette

from models import SessionFactory
from schema.relay import encode_id
from tests.access.test_admin_api import ASSIGN, create_role
from tests.access.test_rule_scopes_api import SET_FIELD_RULE, set_rule
from tests.client import GraphQLClient
from tests.conftest import logged_in
from tests.crm.custom_api import CREATE_DEAL, create_field, value
from tests.factories import Seed
from tests.leaks.conftest import LogIn, demo  # noqa: F401 (the fixture: the demo, copied)
from tests.live_server import Subscription, serve
from tests.reports.conftest import HEAD
from tests.statements import count_statements

CODE = "UF_KIND"
OPTIONS = [f"Kind {index}" for index in range(12)]
REPORT = """query($by: [DealDimension!], $custom: [String!], $filter: DealFilter) {
  dealReport(groupBy: $by, groupByCustom: $custom, filter: $filter) {
    groups { key { stageId custom { field hidden string period } }
      count won amountsExcluded amounts { currency sum } cycleTime { medianSeconds }
      timeInStages { stageId deals } } } }"""
TALLIED = """query($custom: [String!], $filter: DealFilter) {
  dealReport(groupByCustom: $custom, filter: $filter) { groups { count won } } }"""
FUNNEL = "query($filter: DealFilter) { funnel(filter: $filter) { deals won } }"
LEAD_REPORT = """query($custom: [String!]) { leadReport(groupByCustom: $custom) {
  key { custom { string } } count converted } }"""


async def _deals(manager: GraphQLClient, rng: random.Random, count: int, options: int) -> None:
    for index in range(count):
        chosen = rng.sample(OPTIONS[:options], rng.randint(1, min(3, options)))
        fields = {"field": CODE, "values": [{"string": option} for option in chosen]}
        deal = {"title": f"deal {index}", "amount": "10.00", "customFields": [fields]}
        await manager.data(CREATE_DEAL, {"input": deal})


async def test_custom_groups_cost_no_statement_per_group(
    admin: GraphQLClient,
    client: GraphQLClient,
    seed: Seed,
    app: Starlette,
    session_factory: SessionFactory,
) -> None:
    await create_field(
        admin, entity="DEAL", code=CODE, name="Kind", kind="ENUMERATION", multiple=True,
        options=OPTIONS,
    )  # fmt: skip
    await create_field(admin, entity="DEAL", code="UF_DAY", name="Day", kind="DATETIME")
    role = await create_role(admin, "Intern")
    assert not (await set_rule(admin, role, "ALL")).errors
    rule = {"role": role, "entity": "DEAL", "field": CODE, "rule": "HIDDEN"}
    await admin.data(SET_FIELD_RULE, rule | {"semantics": "SUCCESS"})
    await admin.data(ASSIGN, {"role": role, "user": encode_id("User", seed.member.id)})
    intern = await logged_in(client, seed.member.email)
    rng = random.Random(7)
    await _deals(admin, rng, 2, 1)

    async def costs() -> list[tuple[int, int]]:
        found = []
        for viewer in (admin, intern):
            for variables in (
                {"custom": [CODE]},
                {"custom": [CODE, "UF_DAY"], "by": ["STAGE"]},
                {"custom": [CODE], "filter": {"custom": [{"field": "UF_DAY", "isNull": True}]}},
            ):
                with count_statements(app.state.engine) as log:
                    groups = (await viewer.data(REPORT, variables))["dealReport"]["groups"]
                found.append((log.count, len(groups)))
        return found

    few = await costs()
    await _deals(admin, rng, 30, len(OPTIONS))
    many = await costs()
    assert [count for count, _ in few] == [count for count, _ in many]
    assert all(small < large for (_, small), (_, large) in zip(few, many, strict=True))
    # A custom dimension adds at most the definitions and the statuses its mask reads.
    with count_statements(app.state.engine) as log:
        await intern.data(REPORT, {"by": ["STAGE"]})
    assert many[3][0] <= log.count + 2


def _reads_tallies(statements: list[str]) -> bool:
    return any("crm_deal_tallies" in sql for sql in statements)


async def test_the_tallies_never_serve_a_custom_filter_or_grouping(
    demo: LogIn,  # noqa: F811
    app: Starlette,
) -> None:
    head = await demo(HEAD)
    channel = {"custom": [{"field": "UF_SOURCE_CHANNEL", "in": ["Web", "Partner"]}]}
    with count_statements(app.state.engine) as log:
        plain = (await head.data(TALLIED))["dealReport"]["groups"]
    assert _reads_tallies(log.statements), "the head's plain report is tallied"
    for variables in (
        {"custom": ["UF_SOURCE_CHANNEL"]},
        {"filter": channel},
        {"filter": {"or": [{"stageId": {"isNull": False}}, channel]}},
    ):
        with count_statements(app.state.engine) as log:
            groups = (await head.data(TALLIED, variables))["dealReport"]["groups"]
        assert not _reads_tallies(log.statements), variables
        assert any("crm_custom_values" in sql for sql in log.statements)
        if "custom" in variables:
            # Each demo deal has at most one channel: the groups add up to every deal.
            assert sum(g["count"] for g in groups) == plain[0]["count"]
            assert sum(g["won"] for g in groups) == plain[0]["won"]
    with count_statements(app.state.engine) as log:
        funnel = (await head.data(FUNNEL, {"filter": channel}))["funnel"]
    assert not _reads_tallies(log.statements)
    assert funnel["deals"] == 2  # the demo's Web and Partner deals


REPORT_CHANGED = """subscription($custom: [String!], $filter: DealFilter) {
  dealReportChanged(groupByCustom: $custom, filter: $filter) {
    groups { key { custom { string hidden } } count } } }"""
LIVE_QUERY = REPORT_CHANGED.replace("subscription", "query").replace(
    "dealReportChanged", "dealReport"
)
NEW_DEALS = """{ deals(first: 3, filter: {custom: [{field: "UF_SOURCE_CHANNEL", isNull: false}]}) {
  edges { node { id customFields { field values { string } } } } } }"""
UPDATE = """mutation($id: ID!, $input: DealPatch!) { updateDeal(id: $id, input: $input) { id } }"""


async def test_a_live_report_groups_and_filters_by_a_custom_field(
    demo: LogIn,  # noqa: F811
    app: Starlette,
) -> None:
    variables: dict[str, Any] = {
        "custom": ["UF_SOURCE_CHANNEL"],
        "filter": {"custom": [{"field": "UF_SOURCE_CHANNEL", "in": ["Web", "Phone"]}]},
    }
    async with serve(app) as server:
        head = await server.login(HEAD)
        async with Subscription.open(server, head, REPORT_CHANGED, variables) as report:
            first = (await report.next())["dealReportChanged"]
            query = await server.graphql(LIVE_QUERY, variables, token=head)
            assert first == query["dealReport"]
            assert {g["key"]["custom"][0]["string"]: g["count"] for g in first["groups"]} == {
                "Web": 1,
                "Phone": 1,
            }
            await asyncio.sleep(1.0)
            deals = (await server.graphql(NEW_DEALS, token=head))["deals"]["edges"]
            partner = next(
                edge["node"]["id"]
                for edge in deals
                if edge["node"]["customFields"][0]["values"] == [{"string": "Partner"}]
            )
            patch = {"customFields": [value("UF_SOURCE_CHANNEL", string="Web")]}
            await server.graphql(UPDATE, {"id": partner, "input": patch}, token=head)
            updated = (await report.next())["dealReportChanged"]
            assert {g["key"]["custom"][0]["string"]: g["count"] for g in updated["groups"]} == {
                "Web": 2,
                "Phone": 1,
            }
            query = await server.graphql(LIVE_QUERY, variables, token=head)
            assert updated == query["dealReport"]
