"""Deal reports group and filter by custom fields as the lists do: random values on the demo
deals (a multiple enumeration and a multiple date among them), each demo user's figures per
group equal those computed in Python from the deals the same user reads through `deals`,
with the intern's hidden custom fields in groups of their own."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from itertools import product
from typing import Any

import pytest

from tests.leaks.conftest import LogIn, demo  # noqa: F401 (the fixture: the demo, copied)
from tests.reports.conftest import INTERN, MANAGER
from tests.reports.custom_world import (
    CHANNELS,
    DEAL_FIELDS,
    DEALS,
    VIEWERS,
    Row,
    World,
    make_world,
    report_key,
    row_keys,
    rows,
)

REPORT = """query($by: [DealDimension!], $custom: [String!], $filter: DealFilter,
                  $period: ReportPeriod, $tz: String) {
  dealReport(groupBy: $by, groupByCustom: $custom, filter: $filter, period: $period,
             timeZone: $tz) {
    groups { key { stageId hidden custom { field hidden string integer boolean userId period } }
      count won lost outcomeExcluded amountsExcluded amounts { currency count sum } } } }"""
FUNNEL = """query($p: ID, $filter: DealFilter) { funnel(pipelineId: $p, filter: $filter) {
  deals won lost excluded } }"""
GROUPINGS: list[tuple[list[str], list[str], str, str]] = [
    ([], [CHANNELS.code], "MONTH", "UTC"),
    ([], ["UF_VIP"], "MONTH", "UTC"),
    ([], ["UF_SCOUT"], "MONTH", "UTC"),
    ([], ["UF_REGION"], "MONTH", "UTC"),
    ([], ["UF_SEATS"], "MONTH", "UTC"),
    ([], ["UF_DUE"], "MONTH", "UTC"),
    ([], ["UF_MET"], "MONTH", "America/New_York"),
    ([], ["UF_MET"], "WEEK", "Asia/Tokyo"),
    (["STAGE"], [CHANNELS.code], "MONTH", "UTC"),
    ([], [CHANNELS.code, "UF_SEATS"], "MONTH", "UTC"),
]
FILTERS: list[dict[str, Any]] = [
    {"custom": [{"field": CHANNELS.code, "in": ["Web", "Fair"]}]},
    {"custom": [{"field": "UF_SEATS", "gte": "2"}, {"field": "UF_REGION", "eq": "North"}]},
    {
        "or": [
            {"custom": [{"field": "UF_VIP", "eq": "true"}]},
            {"custom": [{"field": "UF_REGION", "isNull": True}]},
        ]
    },
    {"not": {"custom": [{"field": "UF_MET", "lt": "2026-03-15T00:00:00Z"}]}},
    {"custom": [{"field": "UF_DUE", "gte": "2026-02-01", "lt": "2026-03-01"}]},
    {"search": "north"},
]


def expected_groups(deals: list[Row], by: list[str], codes: list[str], period: str, zone: str):  # type: ignore[no-untyped-def]
    """The figures per group key, from the deals' rows."""
    groups: dict[tuple[Any, ...], dict[str, Any]] = defaultdict(
        lambda: {
            "count": 0,
            "won": 0,
            "lost": 0,
            "outcomeExcluded": 0,
            "amountsExcluded": 0,
            "amounts": defaultdict(lambda: [0, Decimal(0)]),
        }
    )
    for deal in deals:
        hidden = set(deal["access"]["hiddenFields"])
        built_in = tuple(deal["stage"]["id"] for _ in by)
        for custom in row_keys(deal, codes, period, zone):
            group = groups[built_in + custom]
            group["count"] += 1
            if "stage" in hidden:
                group["outcomeExcluded"] += 1
            else:
                group["won"] += deal["semantics"] == "SUCCESS"
                group["lost"] += deal["semantics"] == "FAILURE"
            if {"amount", "currency"} & hidden:
                group["amountsExcluded"] += 1
            else:
                figures = group["amounts"][deal["currency"]]
                figures[0] += 1
                figures[1] += Decimal(deal["amount"])
    return {
        key: {**group, "amounts": {c: (n, s) for c, (n, s) in group["amounts"].items()}}
        for key, group in groups.items()
    }


def actual_groups(answer: list[Row], by: list[str]) -> dict[tuple[Any, ...], dict[str, Any]]:
    found = {}
    for group in answer:
        built_in = tuple(group["key"]["stageId"] for _ in by)
        key = built_in + report_key(group["key"])
        assert key not in found, key
        found[key] = {
            "count": group["count"],
            "won": group["won"],
            "lost": group["lost"],
            "outcomeExcluded": group["outcomeExcluded"],
            "amountsExcluded": group["amountsExcluded"],
            "amounts": {
                item["currency"]: (item["count"], Decimal(item["sum"])) for item in group["amounts"]
            },
        }
    return found


async def report(world: World, email: str, **variables: Any) -> list[Row]:
    answer = await world.clients[email].data(REPORT, variables)
    return answer["dealReport"]["groups"]  # type: ignore[no-any-return]


@pytest.fixture
async def world(demo: LogIn) -> World:  # noqa: F811
    return await make_world(demo, seed=20261203)


async def test_groups_by_each_kind_equal_the_deals_each_viewer_reads(world: World) -> None:
    for email in VIEWERS:
        deals = await rows(world.clients[email], DEALS, "deals")
        for by, codes, period, zone in GROUPINGS:
            answer = await report(world, email, by=by, custom=codes, period=period, tz=zone)
            expected = expected_groups(deals, by, codes, period, zone)
            assert actual_groups(answer, by) == expected, (email, by, codes, period, zone)
            # A deal with several channels counts in each of their groups.
            if codes == [CHANNELS.code]:
                assert sum(group["count"] for group in answer) >= len(deals)


async def test_the_intern_s_hidden_channels_form_one_group(world: World) -> None:
    await _unknown_and_ungroupable_fields_are_refused_naming_them(world)
    intern = await rows(world.clients[INTERN], DEALS, "deals")
    in_stage = [deal for deal in intern if deal["stage"]["id"] == world.hiding_stage]
    assert in_stage, "the world gives the intern deals in the stage hiding his channels"
    assert len(in_stage) < len(intern)
    # The rule as the list applies it, checked against the stage alone.
    for deal in intern:
        hidden = CHANNELS.code in deal["access"]["hiddenFields"]
        assert hidden == (deal["stage"]["id"] == world.hiding_stage)
    groups = await report(world, INTERN, custom=[CHANNELS.code])
    hidden_groups = [group for group in groups if group["key"]["custom"][0]["hidden"]]
    assert [group["count"] for group in hidden_groups] == [len(in_stage)]
    assert hidden_groups[0]["key"]["custom"][0]["string"] is None
    assert hidden_groups[0]["key"]["hidden"] == []
    # The manager's role hides nothing: no hidden group.
    manager = await report(world, MANAGER, custom=[CHANNELS.code])
    assert not any(group["key"]["custom"][0]["hidden"] for group in manager)
    # Nor may the intern filter on the field, as he may not filter the list on it.
    filter = {"custom": [{"field": CHANNELS.code, "eq": "Web"}]}
    for query in (DEALS, REPORT, FUNNEL):
        answer = await world.clients[INTERN].request(query, {"filter": filter})
        assert (answer.code, answer.error_field) == ("FORBIDDEN", f"filter.{CHANNELS.code}")


async def test_custom_filters_count_what_the_list_returns(world: World) -> None:
    refused = 0
    for filter, email in product(FILTERS, VIEWERS):
        client = world.clients[email]
        listed = await client.request(DEALS, {"filter": filter})
        answer = await client.request(REPORT, {"custom": ["UF_SCOUT"], "filter": filter})
        if listed.errors:
            # Refused as the list refuses it (the intern: a field hidden from him somewhere).
            assert (answer.code, answer.error_field) == (listed.code, listed.error_field)
            assert email == INTERN and listed.code == "FORBIDDEN"
            refused += 1
            continue
        assert not answer.errors, answer.errors
        deals = await rows(client, DEALS, "deals", filter)
        assert answer.data is not None
        groups = answer.data["dealReport"]["groups"]
        assert actual_groups(groups, []) == expected_groups(deals, [], ["UF_SCOUT"], "MONTH", "UTC")
        for pipeline in {deal["pipeline"]["id"] for deal in deals}:
            funnel = (await client.data(FUNNEL, {"p": pipeline, "filter": filter}))["funnel"]
            mine = [deal for deal in deals if deal["pipeline"]["id"] == pipeline]
            assert funnel["deals"] + funnel["excluded"] == len(mine)
            assert funnel["won"] == sum(deal["semantics"] == "SUCCESS" for deal in mine)
            assert funnel["lost"] == sum(deal["semantics"] == "FAILURE" for deal in mine)
    # The intern's filters on his hidden channels and seats.
    assert refused == 2


async def _unknown_and_ungroupable_fields_are_refused_naming_them(world: World) -> None:
    client = world.clients[MANAGER]
    for code in ("UF_NOPE", "UF_NOTE", "UF_RATE", "UF_LINK", "UF_TOPICS"):
        answer = await client.request(REPORT, {"custom": [code]})
        assert (answer.code, answer.error_field) == ("BAD_USER_INPUT", f"groupByCustom.{code}")
        assert code in answer.errors[0]["message"]
    twice = await client.request(REPORT, {"custom": ["UF_VIP", "UF_VIP"]})
    assert (twice.code, twice.error_field) == ("BAD_USER_INPUT", "groupByCustom")
    many = await client.request(REPORT, {"custom": [spec.code for spec in DEAL_FIELDS[:4]]})
    assert (many.code, many.error_field) == ("BAD_USER_INPUT", "groupByCustom")
    unknown = await client.request(
        REPORT, {"filter": {"custom": [{"field": "UF_NOPE", "eq": "1"}]}}
    )
    assert (unknown.code, unknown.error_field) == ("BAD_USER_INPUT", "filter.UF_NOPE")
