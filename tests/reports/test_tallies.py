"""The tallies' figures (resolvers/reports/tallies.py) are the deals' figures: after random
moves, edits, reassignments, deletions and a stage reorder, each demo user's funnel and deal
report read from the tallies equal the same report counted on the deals.

A report is sent to the deals by asking for something only the deals answer (a cycle time;
a filter on createdAt that every deal matches), which leaves the figures unchanged.
"""

from __future__ import annotations

import os
import random
from decimal import Decimal
from typing import Any

import pytest
from starlette.applications import Starlette

from tests.client import GraphQLClient
from tests.conftest import logged_in
from tests.reports.conftest import HEAD, INTERN, MANAGER
from tests.statements import count_statements

ADMIN = "admin@example.com"
# SQLite adds amounts as floats, in the order it meets them: the deals' average of 411635.835
# may come out as 411635.8349999 and round down, the tallies' up. PostgreSQL is exact.
CENT_ON_SQLITE = (
    Decimal(0)
    if os.environ.get("CRMHUB_TEST_DATABASE_URL", "").startswith("postgresql")
    else Decimal("0.01")
)
PIPELINES = "{ pipelines { id stages { id sort semantics } } }"
DEALS = """query($p: ID!) { deals(first: 100, filter: {pipelineId: {eq: $p}}) {
  edges { node { id } } } }"""
USERS = "{ users(first: 100) { edges { node { id } } } }"
FUNNEL = """query($p: ID!, $filter: DealFilter) { funnel(pipelineId: $p, filter: $filter) {
  deals won lost excluded unreadableStageIds
  stages { stageId reached lost conversionToNext conversionToWon } } }"""
EVERY_DEAL = {"createdAt": {"lt": "2100-01-01T00:00:00Z"}}
FIGURES = """groups { key { stageId pipelineId semantics responsibleId departmentId hidden }
  count won lost winRate outcomeExcluded amountsExcluded
  amounts { currency count sum average weightedSum weightedExcluded } }
  unreadableStageIds"""
REPORT = "query($by: [DealDimension!], $filter: DealFilter) { dealReport(groupBy: $by, filter: $filter) { %s } }"  # noqa: E501
GROUPINGS: list[list[str]] = [
    [],
    ["RESPONSIBLE"],
    ["DEPARTMENT"],
    ["STAGE"],
    ["PIPELINE", "SEMANTICS"],
]
FILTERS: list[dict[str, Any] | None] = [
    None,
    {"currency": {"eq": "USD"}},
    {"opened": True},
]


async def _shuffle(admin: GraphQLClient, rng: random.Random) -> int:
    """Random writes as the admin; returns how many took effect."""
    pipelines = (await admin.data(PIPELINES))["pipelines"]
    users = [edge["node"]["id"] for edge in (await admin.data(USERS))["users"]["edges"]]
    done = 0
    for pipeline in pipelines:
        stages = [stage["id"] for stage in pipeline["stages"]]
        deals = [
            edge["node"]["id"]
            for edge in (await admin.data(DEALS, {"p": pipeline["id"]}))["deals"]["edges"]
        ]
        for deal in deals:
            kind = rng.choice(["move", "move", "move", "assign", "edit", "delete", "keep"])
            if kind == "move":
                query = "mutation($d: ID!, $s: ID!) { moveDeal(id: $d, stageId: $s) { id } }"
                answer = await admin.request(query, {"d": deal, "s": rng.choice(stages)})
            elif kind == "assign":
                patch = {"assignedToId": rng.choice(users), "opened": rng.random() < 0.5}
                answer = await _patch(admin, deal, patch)
            elif kind == "edit":
                amount = f"{rng.randrange(0, 10_000_00) / 100:.2f}"
                patch = {
                    "amount": amount,
                    "currency": rng.choice(["USD", "EUR"]),
                    "probability": rng.randrange(0, 101, 10),
                }
                answer = await _patch(admin, deal, patch)
            elif kind == "delete":
                answer = await admin.request(
                    "mutation($d: ID!) { deleteDeal(id: $d) }", {"d": deal}
                )
            else:
                continue
            done += not answer.errors
        # The working stages in reverse: every deal's furthest stage changes meaning.
        working = [s for s in pipeline["stages"] if s["semantics"] == "PROCESS"]
        closing = [s for s in pipeline["stages"] if s["semantics"] != "PROCESS"]
        order = [s["id"] for s in reversed(working)] + [s["id"] for s in closing]
        await admin.data(
            "mutation($p: ID!, $ids: [ID!]!) { reorderDealStages(pipelineId: $p, ids: $ids)"
            " { id } }",
            {"p": pipeline["id"], "ids": order},
        )
    return done


async def _patch(admin: GraphQLClient, deal: str, patch: dict[str, Any]) -> Any:
    query = "mutation($d: ID!, $i: DealPatch!) { updateDeal(id: $d, input: $i) { id } }"
    return await admin.request(query, {"d": deal, "i": patch})


async def test_tallied_reports_equal_the_deals_reports_after_random_writes(
    demo: GraphQLClient, app: Starlette
) -> None:
    admin = await logged_in(demo, ADMIN)
    assert await _shuffle(admin, random.Random(15)) > 20
    users = [edge["node"]["id"] for edge in (await admin.data(USERS))["users"]["edges"]]
    filters = [
        *FILTERS,
        {"assignedToId": {"in": users[:6]}},
        {"or": [{"assignedToId": {"eq": users[1]}}, {"opened": False}]},
    ]
    for email in (ADMIN, HEAD, MANAGER, INTERN):
        user = await logged_in(demo, email)
        # The intern's hidden fields keep his reports on the deals.
        tallied = email != INTERN
        for pipeline in (await user.data(PIPELINES))["pipelines"]:
            with count_statements(app.state.engine) as log:
                fast = await user.data(FUNNEL, {"p": pipeline["id"]})
            assert _reads_tallies(log.statements) == tallied
            slow = await user.data(FUNNEL, {"p": pipeline["id"], "filter": EVERY_DEAL})
            assert fast == slow, (email, pipeline["id"])
        for by in GROUPINGS:
            for filter in filters:
                variables = {"by": by, "filter": filter}
                with count_statements(app.state.engine) as log:
                    fast = await user.data(REPORT % FIGURES, variables)
                assert _reads_tallies(log.statements) == tallied
                slow = await user.data(
                    REPORT % FIGURES.replace("count won", "count cycleTime { count } won"),
                    variables,
                )
                for group in slow["dealReport"]["groups"]:
                    del group["cycleTime"]
                assert _averages(fast) == pytest.approx(_averages(slow), abs=CENT_ON_SQLITE)
                assert fast == slow, (email, by, filter)


def _averages(report: dict[str, Any]) -> list[Decimal]:
    """Takes the averages out of ``report``, in order."""
    return [
        Decimal(amount.pop("average"))
        for group in report["dealReport"]["groups"]
        for amount in group["amounts"]
    ]


def _reads_tallies(statements: list[str]) -> bool:
    return any("crm_deal_tallies" in sql for sql in statements)


async def test_a_report_asking_for_a_minimum_is_counted_on_the_deals(
    demo: GraphQLClient, app: Starlette
) -> None:
    head = await logged_in(demo, HEAD)
    with count_statements(app.state.engine) as log:
        await head.data(REPORT % "groups { amounts { min } }", {"by": ["STAGE"]})
    assert not _reads_tallies(log.statements)
    assert any("crm_deals" in sql for sql in log.statements)
