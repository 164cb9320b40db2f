"""Lead analytics as the demo users, checked against the leads they read through `leads`."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime
from typing import Any

import pytest

from resolvers.reports.periods import Period, period_start
from tests.client import GraphQLClient
from tests.conftest import logged_in
from tests.reports.conftest import HEAD, INTERN, MANAGER

LEADS = """query($after: String) { leads(first: 100, after: $after) {
  pageInfo { hasNextPage endCursor }
  edges { node { isRepeat createdAt convertedAt source { id } status { id }
    assignedTo { id } } } } }"""
REPORT = """query($groupBy: [LeadDimension!], $period: ReportPeriod!, $tz: String!) {
  leadReport(groupBy: $groupBy, period: $period, timeZone: $tz) {
    key { sourceId statusId responsibleId createdPeriod hidden }
    count converted conversionRate conversionExcluded repeats
    timeToConversion { averageSeconds medianSeconds count excluded } } }"""

Row = dict[str, Any]


async def readable_leads(user: GraphQLClient) -> list[Row]:
    rows: list[Row] = []
    after = None
    while True:
        page = (await user.data(LEADS, {"after": after}))["leads"]
        rows.extend(edge["node"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            return rows
        after = page["pageInfo"]["endCursor"]


def ref(row: Row, name: str) -> str | None:
    return row[name]["id"] if row[name] else None


def assert_group(actual: Row, rows: list[Row]) -> None:
    converted = [row for row in rows if row["convertedAt"] is not None]
    waits = [
        (
            datetime.fromisoformat(row["convertedAt"]) - datetime.fromisoformat(row["createdAt"])
        ).total_seconds()
        for row in converted
    ]
    assert actual["count"] == len(rows)
    assert actual["converted"] == len(converted)
    assert actual["conversionExcluded"] == 0
    assert actual["conversionRate"] == pytest.approx(len(converted) / len(rows))
    assert actual["repeats"] == sum(row["isRepeat"] for row in rows)
    timing = actual["timeToConversion"]
    assert timing["count"] == len(waits)
    if waits:
        assert timing["averageSeconds"] == pytest.approx(statistics.fmean(waits), abs=1)
        assert timing["medianSeconds"] == pytest.approx(statistics.median(waits), abs=1)


@pytest.mark.parametrize("email", [HEAD, MANAGER, INTERN])
async def test_leads_by_source_status_and_responsible(demo: GraphQLClient, email: str) -> None:
    user = await logged_in(demo, email)
    rows = await readable_leads(user)
    assert rows
    for dimension, field in (("SOURCE", "source"), ("STATUS", "status")):
        report = await user.data(REPORT, {"groupBy": [dimension], "period": "DAY", "tz": "UTC"})
        expected: dict[str | None, list[Row]] = defaultdict(list)
        for row in rows:
            expected[ref(row, field)].append(row)
        key_name = f"{field}Id"
        actual = {group["key"][key_name]: group for group in report["leadReport"]}
        assert set(actual) == set(expected)
        for key, group_rows in expected.items():
            assert_group(actual[key], group_rows)


async def test_leads_per_manager_and_month_in_a_time_zone(demo: GraphQLClient) -> None:
    head = await logged_in(demo, HEAD)
    rows = await readable_leads(head)
    zone = "Pacific/Auckland"
    report = await head.data(
        REPORT, {"groupBy": ["RESPONSIBLE", "CREATED_PERIOD"], "period": "QUARTER", "tz": zone}
    )
    expected: dict[tuple[str | None, str], list[Row]] = defaultdict(list)
    for row in rows:
        start = period_start(datetime.fromisoformat(row["createdAt"]), Period.QUARTER, zone)
        expected[(ref(row, "assignedTo"), start.isoformat())].append(row)
    actual = {
        (group["key"]["responsibleId"], group["key"]["createdPeriod"]): group
        for group in report["leadReport"]
    }
    assert set(actual) == set(expected)
    for key, group_rows in expected.items():
        assert_group(actual[key], group_rows)


async def test_a_bad_period_names_its_argument(demo: GraphQLClient) -> None:
    head = await logged_in(demo, HEAD)
    response = await head.request(REPORT, {"period": "DAY", "tz": "Europe/Atlantis"})
    assert response.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert response.error_field == "timeZone"
