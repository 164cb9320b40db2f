"""Reports against the oracle: a report counts exactly the records the viewer may read,
groups by a field only where the viewer may see it, and sums only the amounts it may see."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from hypothesis import given

from tests.crm.api import global_id
from tests.oracle.domain import Entity, Population, Semantics, stage_semantics
from tests.oracle.population import populations
from tests.oracle.world import FIELD_RULE_SETTINGS, MakeWorld, World

DEAL_REPORT = """{ dealReport(groupBy: [RESPONSIBLE]) { groups {
  key { responsibleId hidden } count amountsExcluded amounts { count sum } } } }"""
LEAD_REPORT = "{ leadReport(groupBy: [RESPONSIBLE]) { key { responsibleId hidden } count } }"

HIDDEN = "hidden"


def _responsible_key(world: World, user: int, entity: Entity, index: int) -> str | None:
    record = world.population.records[entity][index]
    if not world.oracle.shows(user, (entity, index), "assignedTo"):
        return HIDDEN
    if record.responsible is None:
        return None
    return global_id("User", world.loaded.ids["USER"][record.responsible])


def _group_key(key: dict[str, object]) -> str | None:
    if key["hidden"]:
        return HIDDEN
    return key["responsibleId"]  # type: ignore[return-value]


@FIELD_RULE_SETTINGS
@given(population=populations())
async def test_deal_figures_count_and_sum_only_what_the_viewer_may_read(
    make_world: MakeWorld, population: Population
) -> None:
    world = await make_world(population)
    for user, client in world.viewers():
        readable = world.oracle.readable_refs(user, Entity.DEAL)
        expected_counts = Counter(_responsible_key(world, user, Entity.DEAL, i) for i in readable)
        shown = [
            i
            for i in readable
            if world.oracle.shows(user, (Entity.DEAL, i), "amount")
            and world.oracle.shows(user, (Entity.DEAL, i), "currency")
        ]
        groups = (await client.data(DEAL_REPORT))["dealReport"]["groups"]
        counts = Counter({_group_key(group["key"]): group["count"] for group in groups})
        assert +counts == expected_counts, user
        amounts = [item for group in groups for item in group["amounts"]]
        assert sum(item["count"] for item in amounts) == len(shown), user
        assert sum(group["amountsExcluded"] for group in groups) == len(readable) - len(shown)
        total = sum((Decimal(item["sum"]) for item in amounts), Decimal(0))
        records = world.population.records[Entity.DEAL]
        assert total == sum((records[i].amount for i in shown), Decimal(0)), user


@FIELD_RULE_SETTINGS
@given(population=populations())
async def test_lead_figures_count_only_what_the_viewer_may_read(
    make_world: MakeWorld, population: Population
) -> None:
    world = await make_world(population)
    for user, client in world.viewers():
        readable = world.oracle.readable_refs(user, Entity.LEAD)
        expected = Counter(_responsible_key(world, user, Entity.LEAD, i) for i in readable)
        groups = (await client.data(LEAD_REPORT))["leadReport"]
        assert +Counter({_group_key(g["key"]): g["count"] for g in groups}) == expected, user


DEAL_LINKS_REPORT = """{ dealReport(groupBy: [COMPANY, STAGE_ENTERED_PERIOD]) { groups {
  key { companyId stageEnteredPeriod hidden } count timeInStagesExcluded } } }"""


def _company_key(world: World, user: int, index: int) -> str | None:
    """What the report keys a deal by: hidden with its own rule, else the company that
    `deal.company` shows (readable, and not hiding its `deals`), else none."""
    oracle = world.oracle
    if not oracle.shows(user, (Entity.DEAL, index), "company"):
        return HIDDEN
    company = world.population.records[Entity.DEAL][index].company
    if company is None or not oracle.shows(user, (Entity.COMPANY, company), "deals"):
        return None
    return world.loaded.gid(Entity.COMPANY, company)


PULSE = """{ pulse(groupBy: [USER]) { dealsWonExcluded groups {
  key { userId } activities { count } tasksCreated posts comments dealsWon } } }"""
# What a won deal's count reads of it (resolvers/reports/pulse.py): its stage, its closing
# time and, grouped by user, its responsible.
WON_FIELDS = ("stage", "closedAt", "assignedTo")


def _user_id(world: World, user: int | None) -> str | None:
    return None if user is None else global_id("User", world.loaded.ids["USER"][user])


def _expected_pulse(world: World, user: int) -> tuple[Counter[tuple[str | None, str]], int]:
    """Per (user, figure) what ``user`` may see, and the won deals left out."""
    population, oracle = world.population, world.oracle
    expected: Counter[tuple[str | None, str]] = Counter()
    for i, activity in enumerate(population.activities):
        if oracle.activity_readable(user, i):
            expected[_user_id(world, activity.responsible), "activities"] += 1
    for i, task in enumerate(population.tasks):
        if oracle.task_visible(user, i):
            expected[_user_id(world, task.creator), "tasksCreated"] += 1
    for i, post in enumerate(population.posts):
        if oracle.post_visible(user, i):
            expected[_user_id(world, post.author), "posts"] += 1
            for author in post.comment_authors:
                expected[_user_id(world, author), "comments"] += 1
    excluded = 0
    for i in oracle.readable_refs(user, Entity.DEAL):
        deal = population.records[Entity.DEAL][i]
        assert isinstance(deal.status, tuple)
        semantics = stage_semantics(deal.status)
        if not all(oracle.shows(user, (Entity.DEAL, i), name) for name in WON_FIELDS):
            excluded += semantics is not Semantics.PROCESS
        elif semantics is Semantics.SUCCESS:
            expected[_user_id(world, deal.responsible), "dealsWon"] += 1
    return expected, excluded


@FIELD_RULE_SETTINGS
@given(population=populations())
async def test_deal_company_keys_show_only_links_shown_at_both_ends(
    make_world: MakeWorld, population: Population
) -> None:
    """The COMPANY key is the company `deal.company` shows; the stage entry and the time in
    stages are left out where the stage is hidden."""
    world = await make_world(population)
    for user, client in world.viewers():
        readable = world.oracle.readable_refs(user, Entity.DEAL)
        expected = Counter(_company_key(world, user, i) for i in readable)
        groups = (await client.data(DEAL_LINKS_REPORT))["dealReport"]["groups"]
        companies: Counter[str | None] = Counter()
        for group in groups:
            key = group["key"]
            companies[HIDDEN if "COMPANY" in key["hidden"] else key["companyId"]] += group["count"]
        assert +companies == expected, user
        stage_hidden = [
            i for i in readable if not world.oracle.shows(user, (Entity.DEAL, i), "stage")
        ]
        entry_hidden = sum(
            group["count"] for group in groups if "STAGE_ENTERED_PERIOD" in group["key"]["hidden"]
        )
        assert entry_hidden == len(stage_hidden), user
        assert sum(group["timeInStagesExcluded"] for group in groups) == len(stage_hidden)


@FIELD_RULE_SETTINGS
@given(population=populations())
async def test_pulse_counts_only_what_the_viewer_may_see(
    make_world: MakeWorld, population: Population
) -> None:
    world = await make_world(population)
    for user, client in world.viewers():
        expected, excluded = _expected_pulse(world, user)
        report = (await client.data(PULSE))["pulse"]
        actual: Counter[tuple[str | None, str]] = Counter()
        for group in report["groups"]:
            who = group["key"]["userId"]
            actual[who, "activities"] += sum(item["count"] for item in group["activities"])
            for name in ("tasksCreated", "posts", "comments", "dealsWon"):
                actual[who, name] += group[name]
        assert +actual == expected, user
        assert report["dealsWonExcluded"] == excluded, user
