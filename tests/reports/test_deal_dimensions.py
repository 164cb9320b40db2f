"""Deal figures by company, by the source lead's source and by the period of stage entry,
and the time in each stage: checked against what the same user reads through `deals`
(links judged at both ends, hidden fields null), before and after a field rule hides them."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import datetime
from itertools import pairwise
from typing import Any

from resolvers.reports.periods import Period, period_start
from tests.leaks.conftest import LogIn, demo  # noqa: F401 (the fixture: the demo, copied)
from tests.leaks.test_hidden_field_side_doors import _hide
from tests.reports.conftest import MANAGER

Row = dict[str, Any]
HIDDEN = "hidden"
ADMIN = "admin@example.com"

DEALS = """query($after: String) { deals(first: 100, after: $after) {
  pageInfo { hasNextPage endCursor }
  edges { node { id createdAt company { id } stage { id }
    sourceLead { id source { id } access { hiddenFields } }
    stageHistory { movedAt to { id } } } } } }"""
REPORT = """query($groupBy: [DealDimension!], $period: ReportPeriod, $tz: String) {
  dealReport(groupBy: $groupBy, period: $period, timeZone: $tz) { groups {
    key { companyId sourceId stageId stageEnteredPeriod hidden }
    count timeInStagesExcluded
    timeInStages { stageId averageSeconds deals } } } }"""
LEADS = """query($me: ID!) {
  leads(first: 4, filter: {convertedAt: {isNull: true}, assignedToId: {eq: $me}}) {
    edges { node { id } } } }"""
CONVERT = """mutation($lead: ID!) {
  convertLead(id: $lead, input: {createDeal: true}) { deal { id } } }"""


async def readable_deals(user: Any) -> list[Row]:
    rows: list[Row] = []
    after = None
    while True:
        page = (await user.data(DEALS, {"after": after}))["deals"]
        rows.extend(edge["node"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            return rows
        after = page["pageInfo"]["endCursor"]


async def report(user: Any, group_by: list[str], **variables: Any) -> list[Row]:
    answer = await user.data(REPORT, {"groupBy": group_by, **variables})
    return answer["dealReport"]["groups"]  # type: ignore[no-any-return]


def counts(groups: list[Row], dimension: str, field: str) -> Counter[Any]:
    return Counter(
        {
            HIDDEN if dimension in group["key"]["hidden"] else group["key"][field]: group["count"]
            for group in groups
        }
    )


# COMPANY: the key is the company `deal.company` shows, or null ----------------------------


def company_of(deal: Row) -> str | None:
    return deal["company"]["id"] if deal["company"] else None


async def test_the_company_key_is_the_company_the_deal_shows(demo: LogIn) -> None:  # noqa: F811
    admin = await demo(ADMIN)
    maria = await demo(MANAGER)
    deals = await readable_deals(maria)
    companies = {deal["id"]: company_of(deal) for deal in await readable_deals(admin)}
    assert any(company_of(deal) is None and companies[deal["id"]] for deal in deals), (
        "the demo gives Maria deals whose company she may not read"
    )
    expected = Counter(company_of(deal) for deal in deals)
    assert counts(await report(maria, ["COMPANY"]), "COMPANY", "companyId") == expected

    await _hide(admin, "COMPANY", "deals")
    maria = await demo(MANAGER)
    deals = await readable_deals(maria)
    assert all(deal["company"] is None for deal in deals)
    assert counts(await report(maria, ["COMPANY"]), "COMPANY", "companyId") == Counter(
        {None: len(deals)}
    )


async def test_a_deal_hiding_its_company_puts_it_in_the_hidden_group(
    demo: LogIn,  # noqa: F811
) -> None:
    admin = await demo(ADMIN)
    await _hide(admin, "DEAL", "company")
    maria = await demo(MANAGER)
    deals = await readable_deals(maria)
    groups = await report(maria, ["COMPANY"])
    assert counts(groups, "COMPANY", "companyId") == Counter({HIDDEN: len(deals)})


# SOURCE: the source of the lead `deal.sourceLead` shows -----------------------------------


async def _convert_leads(admin: Any, owner: Any) -> None:
    """Converts four of ``owner``'s leads into deals."""
    me = (await owner.data("{ viewer { id } }"))["viewer"]["id"]
    edges = (await admin.data(LEADS, {"me": me}))["leads"]["edges"]
    assert len(edges) == 4
    for edge in edges:
        await admin.data(CONVERT, {"lead": edge["node"]["id"]})


def source_of(deal: Row) -> str | None:
    lead = deal["sourceLead"]
    if lead is None:
        return None
    if "source" in lead["access"]["hiddenFields"]:
        return HIDDEN
    return lead["source"]["id"] if lead["source"] else None


async def _sources_match(log_in: LogIn, expected_hidden: bool) -> Counter[Any]:
    maria = await log_in(MANAGER)
    deals = await readable_deals(maria)
    expected = Counter(source_of(deal) for deal in deals)
    assert (HIDDEN in expected) is expected_hidden
    assert counts(await report(maria, ["SOURCE"]), "SOURCE", "sourceId") == expected
    return expected


async def test_source_groups_follow_the_lead_and_its_rules(demo: LogIn) -> None:  # noqa: F811
    admin = await demo(ADMIN)
    await _convert_leads(admin, await demo(MANAGER))
    before = await _sources_match(demo, expected_hidden=False)
    assert sum(n for source, n in before.items() if source is not None) >= 4

    await _hide(admin, "LEAD", "source")
    hidden = await _sources_match(demo, expected_hidden=True)
    assert hidden[HIDDEN] >= 4

    # A lead's status hidden hides the lead as the deal's source: no source shown at all.
    await _hide(admin, "LEAD", "status")
    unseen = await _sources_match(demo, expected_hidden=False)
    assert set(unseen) == {None}


# STAGE_ENTERED_PERIOD and timeInStages, from the stage history ----------------------------


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def entered_period(deal: Row, period: Period, zone: str) -> str | None:
    if deal["stage"] is None:
        return HIDDEN
    entries = [
        moment(move["movedAt"])
        for move in deal["stageHistory"]
        if move["to"] and move["to"]["id"] == deal["stage"]["id"]
    ]
    entered = max(entries) if entries else moment(deal["createdAt"])
    return period_start(entered, period, zone).isoformat()


def stage_times(deals: list[Row]) -> dict[str, tuple[float, int]]:
    """Per stage: the mean over deals of the seconds each spent there (finished stays)."""
    spent: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for deal in deals:
        history = deal["stageHistory"]
        for move, after in pairwise(history):
            if move["to"] is not None:
                seconds = (moment(after["movedAt"]) - moment(move["movedAt"])).total_seconds()
                spent[move["to"]["id"]][deal["id"]] += seconds
    return {
        stage: (statistics.fmean(per_deal.values()), len(per_deal))
        for stage, per_deal in spent.items()
    }


def assert_stage_times(group: Row, deals: list[Row]) -> None:
    shown = [deal for deal in deals if deal["stage"] is not None]
    assert group["timeInStagesExcluded"] == len(deals) - len(shown)
    expected = stage_times(shown)
    got = {item["stageId"]: item for item in group["timeInStages"]}
    assert set(got) == set(expected)
    for stage, (average, how_many) in expected.items():
        assert got[stage]["deals"] == how_many, stage
        assert abs(got[stage]["averageSeconds"] - average) <= 1, stage


MOVE = "mutation($id: ID!, $stage: ID!) { moveDeal(id: $id, stageId: $stage) { id } }"
STAGES = "{ pipelines { id stages { id semantics } } }"


async def _move_some_deals(admin: Any, maria_deals: list[Row]) -> None:
    """Moves back a few of Maria's deals to the first stage of their pipeline, so their
    last stays last days, not the demo's hours."""
    pipelines = (await admin.data(STAGES))["pipelines"]
    first_of = {stage["id"]: p["stages"][0]["id"] for p in pipelines for stage in p["stages"]}
    moved = 0
    for deal in maria_deals:
        stage = deal["stage"]["id"]
        if first_of[stage] != stage and moved < 5:
            await admin.data(MOVE, {"id": deal["id"], "stage": first_of[stage]})
            moved += 1
    assert moved == 5


async def test_stage_entry_periods_and_time_in_stages(demo: LogIn) -> None:  # noqa: F811
    admin = await demo(ADMIN)
    await _move_some_deals(admin, await readable_deals(await demo(MANAGER)))
    maria = await demo(MANAGER)
    deals = await readable_deals(maria)
    zone, period = "Asia/Vladivostok", Period.MONTH
    groups = await report(maria, ["STAGE_ENTERED_PERIOD"], period=period.name, tz=zone)
    expected: dict[Any, list[Row]] = defaultdict(list)
    for deal in deals:
        expected[entered_period(deal, period, zone)].append(deal)
    by_key = {group["key"]["stageEnteredPeriod"]: group for group in groups}
    assert set(by_key) == set(expected)
    for key, members in expected.items():
        assert by_key[key]["count"] == len(members), key
        assert_stage_times(by_key[key], members)
    (whole,) = await report(maria, [])
    assert_stage_times(whole, deals)
    assert any(deals for _stage, (_average, deals) in stage_times(deals).items())


async def test_a_hidden_stage_hides_its_entry_and_history(demo: LogIn) -> None:  # noqa: F811
    admin = await demo(ADMIN)
    pipelines = (await admin.data(STAGES))["pipelines"]
    proposal = pipelines[0]["stages"][2]["id"]
    await _hide(admin, "DEAL", "stage", status=proposal)
    maria = await demo(MANAGER)
    deals = await readable_deals(maria)
    assert any(deal["stage"] is None for deal in deals), "Maria reads deals in the stage"
    zone, period = "America/New_York", Period.QUARTER
    groups = await report(maria, ["STAGE_ENTERED_PERIOD"], period=period.name, tz=zone)
    expected = Counter(entered_period(deal, period, zone) for deal in deals)
    assert counts(groups, "STAGE_ENTERED_PERIOD", "stageEnteredPeriod") == expected
    (whole,) = await report(maria, [])
    assert_stage_times(whole, deals)
    # The count is given without the figures too.
    alone = await maria.data("{ dealReport { groups { timeInStagesExcluded } } }")
    hidden = sum(deal["stage"] is None for deal in deals)
    assert alone["dealReport"]["groups"] == [{"timeInStagesExcluded": hidden}]
