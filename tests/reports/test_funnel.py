"""The funnel as the demo users, checked against the stage history they read."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tests.client import GraphQLClient
from tests.conftest import logged_in
from tests.crm.api import global_id
from tests.reports.conftest import HEAD, INTERN, MANAGER

HISTORY = """query($after: String, $filter: DealFilter) {
  deals(first: 100, after: $after, filter: $filter) {
  pageInfo { hasNextPage endCursor }
  edges { node { id semantics stageHistory { to { id sort semantics } } } } } }"""
PIPELINES = "{ pipelines { id name stages { id sort semantics } } }"
FUNNEL = """query($p: ID!, $filter: DealFilter) { funnel(pipelineId: $p, filter: $filter) {
  deals won lost excluded unreadableStageIds
  stages { stageId reached lost conversionToNext conversionToWon } } }"""

Row = dict[str, Any]


async def history(user: GraphQLClient, filter: Row) -> list[Row]:
    rows: list[Row] = []
    after = None
    while True:
        page = (await user.data(HISTORY, {"after": after, "filter": filter}))["deals"]
        rows.extend(edge["node"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            return rows
        after = page["pageInfo"]["endCursor"]


def expected_funnel(rows: list[Row], working: list[Row]) -> Row:
    """Reached: ever moved to the stage or a later working one; won deals reach all."""
    reached: Counter[str] = Counter()
    lost_at: Counter[str] = Counter()
    for row in rows:
        sorts = [m["to"]["sort"] for m in row["stageHistory"] if m["to"]["semantics"] == "PROCESS"]
        furthest = max(sorts, default=None)
        for stage in working:
            if row["semantics"] == "SUCCESS" or (
                furthest is not None and furthest >= stage["sort"]
            ):
                reached[stage["id"]] += 1
            if row["semantics"] == "FAILURE" and furthest == stage["sort"]:
                lost_at[stage["id"]] += 1
    return {
        "deals": len(rows),
        "won": sum(row["semantics"] == "SUCCESS" for row in rows),
        "lost": sum(row["semantics"] == "FAILURE" for row in rows),
        "reached": reached,
        "lost_at": lost_at,
    }


async def check_funnels(user: GraphQLClient, filter: Row) -> list[Row]:
    answers = []
    for pipeline in (await user.data(PIPELINES))["pipelines"]:
        working = [stage for stage in pipeline["stages"] if stage["semantics"] == "PROCESS"]
        working.sort(key=lambda stage: stage["sort"])
        rows = await history(user, {**filter, "pipelineId": {"eq": pipeline["id"]}})
        answer = (await user.data(FUNNEL, {"p": pipeline["id"], "filter": filter}))["funnel"]
        expected = expected_funnel(rows, working)
        assert (answer["deals"], answer["won"], answer["lost"], answer["excluded"]) == (
            expected["deals"],
            expected["won"],
            expected["lost"],
            0,
        )
        assert [stage["stageId"] for stage in answer["stages"]] == [s["id"] for s in working]
        for index, stage in enumerate(answer["stages"]):
            reached = expected["reached"][stage["stageId"]]
            assert stage["reached"] == reached
            assert stage["lost"] == expected["lost_at"][stage["stageId"]]
            following = (
                expected["reached"][working[index + 1]["id"]]
                if index + 1 < len(working)
                else expected["won"]
            )
            assert stage["conversionToNext"] == (following / reached if reached else None)
            assert stage["conversionToWon"] == (expected["won"] / reached if reached else None)
        answers.append(answer)
    return answers


async def test_head_of_sales_and_manager_funnels_match_the_stage_history(
    demo: GraphQLClient,
) -> None:
    for email in (HEAD, MANAGER):
        user = await logged_in(demo, email)
        answers = await check_funnels(user, {})
        assert all(answer["unreadableStageIds"] == [] for answer in answers)
        assert all(answer["won"] > 0 and answer["stages"][0]["reached"] > 0 for answer in answers)
        await check_funnels(user, {"createdAt": {"gte": "2026-06-01T00:00:00+03:00"}})


async def test_intern_funnel_counts_no_won_deal(demo: GraphQLClient) -> None:
    intern = await logged_in(demo, INTERN)
    answers = await check_funnels(intern, {})
    assert sum(answer["deals"] for answer in answers) > 0
    # No won deal counted, and each funnel says its won stage is out of his sight.
    assert all(answer["won"] == 0 for answer in answers)
    assert all(len(answer["unreadableStageIds"]) == 1 for answer in answers)


async def test_a_deal_moved_to_won_joins_the_funnel_s_won(demo: GraphQLClient) -> None:
    head = await logged_in(demo, HEAD)
    pipeline = (await head.data(PIPELINES))["pipelines"][0]
    won_stage = next(s["id"] for s in pipeline["stages"] if s["semantics"] == "SUCCESS")
    before = (await head.data(FUNNEL, {"p": pipeline["id"]}))["funnel"]
    open_deal = (
        await head.data(
            """query($p: ID!) { deals(first: 1, filter: {pipelineId: {eq: $p}, closedAt:
            {isNull: true}}) { edges { node { id } } } }""",
            {"p": pipeline["id"]},
        )
    )["deals"]["edges"][0]["node"]["id"]
    await head.data(
        "mutation($d: ID!, $s: ID!) { moveDeal(id: $d, stageId: $s) { id } }",
        {"d": open_deal, "s": won_stage},
    )
    after = (await head.data(FUNNEL, {"p": pipeline["id"]}))["funnel"]
    assert after["won"] == before["won"] + 1
    assert after["deals"] == before["deals"]


async def test_an_unknown_pipeline_is_not_found(demo: GraphQLClient) -> None:
    head = await logged_in(demo, HEAD)
    response = await head.request(FUNNEL, {"p": global_id("Pipeline", 99999)})
    assert response.errors[0]["extensions"]["code"] == "NOT_FOUND"
    assert response.error_field == "pipelineId"
