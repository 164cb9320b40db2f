"""Lead reports group and filter by custom fields as the `leads` list does: each demo user's
figures per group equal those computed in Python from the leads the same user reads, a
lead with several topics counting in each, the intern's hidden topics in a group apart."""

from __future__ import annotations

from collections import defaultdict
from itertools import product
from typing import Any

import pytest

from tests.leaks.conftest import LogIn, demo  # noqa: F401 (the fixture: the demo, copied)
from tests.reports.conftest import INTERN
from tests.reports.custom_world import (
    LEADS,
    TOPICS,
    VIEWERS,
    Row,
    World,
    make_world,
    report_key,
    row_keys,
    rows,
)

REPORT = """query($by: [LeadDimension!], $custom: [String!], $filter: LeadFilter,
                  $period: ReportPeriod!, $tz: String!) {
  leadReport(groupBy: $by, groupByCustom: $custom, filter: $filter, period: $period,
             timeZone: $tz) {
    key { statusId hidden custom { field hidden string integer boolean userId period } }
    count converted conversionExcluded } }"""
GROUPINGS: list[tuple[list[str], list[str], str, str]] = [
    ([], [TOPICS.code], "MONTH", "UTC"),
    ([], ["UF_SIZE"], "MONTH", "UTC"),
    ([], ["UF_CALLED"], "MONTH", "Pacific/Auckland"),
    (["STATUS"], [TOPICS.code, "UF_CALLED"], "YEAR", "UTC"),
]
FILTERS: list[dict[str, Any]] = [
    {"custom": [{"field": TOPICS.code, "eq": "Demo"}]},
    {"custom": [{"field": "UF_SIZE", "lt": "3"}]},
    {"not": {"custom": [{"field": "UF_CALLED", "isNull": True}]}},
]


def expected_groups(
    leads: list[Row], by: list[str], codes: list[str], period: str, zone: str
) -> dict[tuple[Any, ...], dict[str, int]]:
    groups: dict[tuple[Any, ...], dict[str, int]] = defaultdict(
        lambda: {"count": 0, "converted": 0, "conversionExcluded": 0}
    )
    for lead in leads:
        hidden = set(lead["access"]["hiddenFields"])
        built_in = tuple(lead["status"]["id"] for _ in by)
        for custom in row_keys(lead, codes, period, zone):
            group = groups[built_in + custom]
            group["count"] += 1
            if "convertedAt" in hidden:
                group["conversionExcluded"] += 1
            elif lead["convertedAt"] is not None:
                group["converted"] += 1
    return dict(groups)


def actual_groups(answer: list[Row], by: list[str]) -> dict[tuple[Any, ...], dict[str, int]]:
    found = {}
    for group in answer:
        key = tuple(group["key"]["statusId"] for _ in by) + report_key(group["key"])
        assert key not in found, key
        found[key] = {name: group[name] for name in ("count", "converted", "conversionExcluded")}
    return found


@pytest.fixture
async def world(demo: LogIn) -> World:  # noqa: F811
    return await make_world(demo, seed=41)


async def test_lead_groups_by_custom_fields_equal_the_leads_each_viewer_reads(
    world: World,
) -> None:
    await _the_intern_s_hidden_topics_form_one_group(world)
    for email in VIEWERS:
        client = world.clients[email]
        leads = await rows(client, LEADS, "leads")
        for by, codes, period, zone in GROUPINGS:
            variables = {"by": by, "custom": codes, "period": period, "tz": zone}
            answer = (await client.data(REPORT, variables))["leadReport"]
            expected = expected_groups(leads, by, codes, period, zone)
            assert actual_groups(answer, by) == expected, (email, by, codes)


async def _the_intern_s_hidden_topics_form_one_group(world: World) -> None:
    client = world.clients[INTERN]
    leads = await rows(client, LEADS, "leads")
    hiding = [lead for lead in leads if lead["status"]["id"] == world.hiding_status]
    assert hiding and len(hiding) < len(leads)
    for lead in leads:
        assert (TOPICS.code in lead["access"]["hiddenFields"]) == (lead in hiding)
    variables = {"custom": [TOPICS.code], "period": "MONTH", "tz": "UTC"}
    groups = (await client.data(REPORT, variables))["leadReport"]
    assert [g["count"] for g in groups if g["key"]["custom"][0]["hidden"]] == [len(hiding)]


async def test_lead_custom_filters_count_what_the_list_returns(world: World) -> None:
    refused = 0
    for filter, email in product(FILTERS, VIEWERS):
        client = world.clients[email]
        variables = {"custom": ["UF_SIZE"], "filter": filter, "period": "MONTH", "tz": "UTC"}
        listed = await client.request(LEADS, {"filter": filter})
        answer = await client.request(REPORT, variables)
        if listed.errors:
            assert (answer.code, answer.error_field) == (listed.code, listed.error_field)
            assert email == INTERN and listed.code == "FORBIDDEN"
            refused += 1
            continue
        assert answer.data is not None, answer.errors
        leads = await rows(client, LEADS, "leads", filter)
        expected = expected_groups(leads, [], ["UF_SIZE"], "MONTH", "UTC")
        assert actual_groups(answer.data["leadReport"], []) == expected, email
    assert refused == 1  # the intern's filter on his hidden topics
    for code in ("UF_CHANNELS", "UF_NOPE"):
        variables = {"custom": [code], "period": "MONTH", "tz": "UTC"}
        answer = await world.clients[INTERN].request(REPORT, variables)
        assert (answer.code, answer.error_field) == ("BAD_USER_INPUT", f"groupByCustom.{code}")
