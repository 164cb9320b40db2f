"""Deal analytics as the README's demo users, checked against figures computed in Python
from the rows the same user reads through the `deals` list (hidden fields come back null)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from resolvers.reports.periods import Period, period_start
from tests.client import GraphQLClient
from tests.conftest import logged_in
from tests.reports.conftest import HEAD, INTERN, MANAGER

DEALS = """query($after: String) { deals(first: 100, after: $after) {
  pageInfo { hasNextPage endCursor }
  edges { node { id amount currency probability semantics createdAt closedAt
    stage { id } assignedTo { id } } } } }"""
REPORT = """query($groupBy: [DealDimension!], $period: ReportPeriod!, $tz: String!,
  $filter: DealFilter) {
  dealReport(groupBy: $groupBy, period: $period, timeZone: $tz, filter: $filter) {
    unreadableStageIds
    groups {
      key { stageId responsibleId semantics createdPeriod closedPeriod hidden }
      count amountsExcluded won lost winRate outcomeExcluded
      amounts { currency count sum average min max weightedSum weightedExcluded }
      cycleTime { averageSeconds medianSeconds count excluded }
    } } }"""

Row = dict[str, Any]


async def readable_deals(user: GraphQLClient) -> list[Row]:
    rows: list[Row] = []
    after = None
    while True:
        page = (await user.data(DEALS, {"after": after}))["deals"]
        rows.extend(edge["node"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            return rows
        after = page["pageInfo"]["endCursor"]


def moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def expected_group(rows: list[Row]) -> Row:
    """The figures of one group, from the rows as the viewer reads them."""
    amounts: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if row["amount"] is not None:
            amounts[row["currency"]].append(row)
    won = sum(row["semantics"] == "SUCCESS" for row in rows)
    lost = sum(row["semantics"] == "FAILURE" for row in rows)
    cycles = [
        (moment(row["closedAt"]) - moment(row["createdAt"])).total_seconds()  # type: ignore[operator]
        for row in rows
        if row["closedAt"] is not None
    ]
    return {
        "count": len(rows),
        "amountsExcluded": sum(row["amount"] is None for row in rows),
        "won": won,
        "lost": lost,
        "amounts": {
            currency: {
                "count": len(items),
                "sum": sum(Decimal(item["amount"]) for item in items),
                "min": min(Decimal(item["amount"]) for item in items),
                "max": max(Decimal(item["amount"]) for item in items),
                "average": sum(Decimal(item["amount"]) for item in items) / len(items),
                "weightedSum": sum(
                    Decimal(item["amount"]) * (item["probability"] or 0) / 100 for item in items
                ),
            }
            for currency, items in amounts.items()
        },
        "cycles": cycles,
    }


def assert_group(actual: Row, expected: Row, won_readable: bool = True) -> None:
    assert actual["count"] == expected["count"]
    assert actual["amountsExcluded"] == expected["amountsExcluded"]
    assert (actual["won"], actual["lost"]) == (expected["won"], expected["lost"])
    closed = expected["won"] + expected["lost"]
    if won_readable and closed:
        assert actual["winRate"] == pytest.approx(expected["won"] / closed)
    else:
        assert actual["winRate"] is None
    got = {item["currency"]: item for item in actual["amounts"]}
    assert set(got) == set(expected["amounts"])
    for currency, figures in expected["amounts"].items():
        item = got[currency]
        assert item["count"] == figures["count"]
        for name in ("sum", "min", "max"):
            assert Decimal(item[name]) == figures[name], (currency, name)
        for name in ("average", "weightedSum"):
            assert abs(Decimal(item[name]) - figures[name]) <= Decimal("0.01"), (currency, name)
    cycles = expected["cycles"]
    cycle = actual["cycleTime"]
    assert cycle["count"] == len(cycles)
    if cycles:
        assert cycle["averageSeconds"] == pytest.approx(statistics.fmean(cycles), abs=1)
        assert cycle["medianSeconds"] == pytest.approx(statistics.median(cycles), abs=1)
    else:
        assert cycle["averageSeconds"] is None and cycle["medianSeconds"] is None


def grouped(rows: list[Row], key: Callable[[Row], Any]) -> dict[Any, list[Row]]:
    groups: dict[Any, list[Row]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return groups


def period_key(text: str | None, period: Period, zone: str) -> str | None:
    at = moment(text)
    return None if at is None else period_start(at, period, zone).isoformat()


@pytest.mark.parametrize(
    ("zone", "period", "by_manager", "recent_days"),
    [
        ("UTC", Period.QUARTER, True, None),
        ("Asia/Vladivostok", Period.MONTH, True, None),
        ("America/New_York", Period.WEEK, False, 300),
        ("Asia/Kolkata", Period.DAY, False, 60),
        ("Australia/Adelaide", Period.YEAR, True, None),
    ],
)
async def test_head_of_sales_won_sums_per_manager_and_period(
    demo: GraphQLClient, zone: str, period: Period, by_manager: bool, recent_days: int | None
) -> None:
    head = await logged_in(demo, HEAD)
    rows = await readable_deals(head)
    filter = None
    if recent_days is not None:
        since = datetime.now(UTC) - timedelta(days=recent_days)
        filter = {"closedAt": {"gte": since.isoformat()}}
        rows = [row for row in rows if row["closedAt"] and moment(row["closedAt"]) >= since]  # type: ignore[operator]
    dimensions = ["RESPONSIBLE", "CLOSED_PERIOD"] if by_manager else ["CLOSED_PERIOD"]
    report = (
        await head.data(
            REPORT,
            {"groupBy": dimensions, "period": period.name, "tz": zone, "filter": filter},
        )
    )["dealReport"]
    assert report["unreadableStageIds"] == []

    def manager(row: Row) -> str | None:
        return row["assignedTo"]["id"] if by_manager and row["assignedTo"] else None

    expected = grouped(rows, lambda row: (manager(row), period_key(row["closedAt"], period, zone)))
    actual = {
        (group["key"]["responsibleId"], group["key"]["closedPeriod"]): group
        for group in report["groups"]
    }
    assert set(actual) == set(expected)
    for key, group_rows in expected.items():
        assert_group(actual[key], expected_group(group_rows))
    currencies = {item["currency"] for group in report["groups"] for item in group["amounts"]}
    assert {"RUB", "USD"} <= currencies


async def test_whole_and_per_stage_figures_of_a_sales_manager(demo: GraphQLClient) -> None:
    manager = await logged_in(demo, MANAGER)
    rows = await readable_deals(manager)
    whole = (await manager.data(REPORT, {"period": "MONTH", "tz": "UTC"}))["dealReport"]
    assert len(whole["groups"]) == 1
    assert_group(whole["groups"][0], expected_group(rows))
    per_stage = (
        await manager.data(REPORT, {"groupBy": ["STAGE"], "period": "DAY", "tz": "Europe/Moscow"})
    )["dealReport"]
    expected = grouped(rows, lambda row: row["stage"]["id"])
    assert {group["key"]["stageId"] for group in per_stage["groups"]} == set(expected)
    for group in per_stage["groups"]:
        assert_group(group, expected_group(expected[group["key"]["stageId"]]))


async def test_intern_figures_exclude_won_deals_and_amounts_and_say_so(
    demo: GraphQLClient,
) -> None:
    intern = await logged_in(demo, INTERN)
    rows = await readable_deals(intern)
    assert rows and all(row["amount"] is None for row in rows)
    report = (await intern.data(REPORT, {"groupBy": ["SEMANTICS"], "period": "YEAR", "tz": "UTC"}))[
        "dealReport"
    ]
    assert len(report["unreadableStageIds"]) == 2  # the won stages of both pipelines
    by_semantics = {group["key"]["semantics"]: group for group in report["groups"]}
    assert "SUCCESS" not in by_semantics
    for semantics, group_rows in grouped(rows, lambda row: row["semantics"]).items():
        group = by_semantics[semantics]
        assert group["amounts"] == [] and group["amountsExcluded"] == len(group_rows)
        assert_group(group, expected_group(group_rows), won_readable=False)


async def test_a_filter_narrows_the_figures_as_it_narrows_the_list(demo: GraphQLClient) -> None:
    head = await logged_in(demo, HEAD)
    after = "2020-01-01T00:00:00+00:00"
    rows = [row for row in await readable_deals(head) if row["currency"] == "USD"]
    report = (
        await head.data(
            REPORT,
            {
                "period": "MONTH",
                "tz": "UTC",
                "filter": {"currency": {"eq": "USD"}, "createdAt": {"gte": after}},
            },
        )
    )["dealReport"]
    assert_group(report["groups"][0], expected_group(rows))


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"tz": "Mars/Olympus", "period": "DAY"}, "timeZone"),
        ({"tz": "../../etc/passwd", "period": "DAY"}, "timeZone"),
        ({"tz": "UTC", "period": "DAY", "groupBy": ["STAGE", "STAGE"]}, "groupBy"),
        ({"tz": "UTC", "period": "DAY", "groupBy": ["COMPANY", "CREATED_PERIOD"]}, "groupBy"),
        ({"tz": "UTC", "period": "DAY", "filter": {"amount": {"gt": "1e999"}}}, "filter.amount"),
    ],
)
async def test_bad_arguments_answer_bad_user_input_naming_them(
    demo: GraphQLClient, variables: Row, field: str
) -> None:
    head = await logged_in(demo, HEAD)
    response = await head.request(REPORT, variables)
    assert response.errors and response.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert response.error_field == field


async def test_a_filter_on_a_field_hidden_from_the_viewer_is_refused(demo: GraphQLClient) -> None:
    intern = await logged_in(demo, INTERN)
    response = await intern.request(
        REPORT, {"tz": "UTC", "period": "DAY", "filter": {"amount": {"gt": "1"}}}
    )
    assert response.errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_figures_asked_through_fragments_are_computed_and_others_left_out(
    demo: GraphQLClient,
) -> None:
    head = await logged_in(demo, HEAD)
    rows = await readable_deals(head)
    counts_only = await head.data("{ dealReport { groups { count } } }")
    assert counts_only["dealReport"]["groups"] == [{"count": len(rows)}]
    fragments = await head.data(
        """{ dealReport { groups { ...money cycleTime { ... on Durations { medianSeconds } } } } }
        fragment money on DealGroup { amounts { currency count } }"""
    )
    [group] = fragments["dealReport"]["groups"]
    assert sum(item["count"] for item in group["amounts"]) == len(rows)
    assert group["cycleTime"]["medianSeconds"] is not None
