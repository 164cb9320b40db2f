"""Search, filters, ordering and duplicate lookups against the oracle: none of them may
select, or order, records by what the viewer may not read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given

from tests.crm.api import global_id
from tests.oracle.domain import PHONES, WORDS, Entity, Population, Record
from tests.oracle.ids import Loaded
from tests.oracle.population import populations
from tests.oracle.world import (
    FIELD_RULE_SETTINGS,
    LISTS,
    ORACLE_SETTINGS,
    MakeWorld,
    World,
    ids_of,
    refused,
)

LIST_DOCUMENT = """query($filter: {type}Filter, $order: [{type}Order!]) {{
  {field}(first: 100, filter: $filter, orderBy: $order) {{ edges {{ node {{ id }} }} }}
}}"""
TYPE_NAMES = {
    Entity.LEAD: "Lead",
    Entity.CONTACT: "Contact",
    Entity.COMPANY: "Company",
    Entity.DEAL: "Deal",
}


async def _ask(
    world: World, user: int, entity: Entity, **arguments: Any
) -> tuple[list[str] | None, Any]:
    """The ids listed (None for a coded refusal)."""
    document = LIST_DOCUMENT.format(type=TYPE_NAMES[entity], field=LISTS[entity])
    response = await world.clients[user].request(document, arguments)
    if refused(response):
        return None, response
    assert not response.errors, response.errors
    assert response.data is not None
    return ids_of(response.data[LISTS[entity]]), response


# Search --------------------------------------------------------------------------------------


# The fields a search term is looked for in, per entity (field-rule names), by how the API
# documents `search`: names and titles; a deal also by its company's title.
def _search_matches(world: World, user: int, entity: Entity, index: int, word: str) -> bool:
    oracle = world.oracle
    record = world.population.records[entity][index]
    first, last = record.title.split(" ")
    ref = (entity, index)
    named = {"title": record.title} if entity is not Entity.CONTACT else {}
    if entity in (Entity.LEAD, Entity.CONTACT):
        named |= {"firstName": first, "lastName": last}
    if any(word in value and oracle.shows(user, ref, name) for name, value in named.items()):
        return True
    if entity is Entity.DEAL and record.company is not None:
        company = (Entity.COMPANY, record.company)
        title = world.population.record(company).title
        return (
            oracle.shows(user, ref, "company")
            and oracle.shows(user, company, "title")
            and word in title
        )
    return False


def _probe_words(world: World, user: int, entity: Entity) -> list[str]:
    """Words of records the viewer may not see matched (unreadable, or the name hidden),
    else any word of a record: at most two."""
    records = world.population.records[entity]
    suspicious = [
        word
        for index, record in enumerate(records)
        if not all(_search_matches(world, user, entity, index, w) for w in record.title.split(" "))
        for word in record.title.split(" ")
    ]
    chosen = list(dict.fromkeys(suspicious))[:2]
    return chosen or ([records[0].title.split(" ")[0]] if records else [WORDS[0]])


@pytest.mark.parametrize("entity", list(Entity), ids=lambda e: e.value)
@FIELD_RULE_SETTINGS
@given(population=populations())
async def test_search_finds_only_what_the_viewer_may_read(
    make_world: MakeWorld, population: Population, entity: Entity
) -> None:
    world = await make_world(population)
    for user, _viewer in world.viewers():
        for word in _probe_words(world, user, entity):
            found, _ = await _ask(world, user, entity, filter={"search": word})
            if found is None:
                continue
            expected = {
                world.loaded.gid(entity, i)
                for i in world.oracle.readable_refs(user, entity)
                if _search_matches(world, user, entity, i, word)
            }
            assert set(found) == expected, (user, entity, word)


# Filters -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilterSpec:
    name: str  # the filter input field
    rule_field: str  # the field whose hiding forbids selecting by it
    # The filter operand taken from a record (None: the record has no value to probe with),
    # and whether a record matches it.
    operand: Callable[[Loaded, Record], Any]
    matches: Callable[[Loaded, Record, Any], bool]


def _user_gid(loaded: Loaded, record: Record) -> str | None:
    if record.responsible is None:
        return None
    return global_id("User", loaded.ids["USER"][record.responsible])


def _eq(getter: Callable[[Loaded, Record], Any]) -> tuple[Callable[..., Any], Callable[..., bool]]:
    return (
        lambda loaded, record: (
            None if getter(loaded, record) is None else {"eq": getter(loaded, record)}
        ),
        lambda loaded, record, operand: getter(loaded, record) == operand["eq"],
    )


def _spec(name: str, rule_field: str, getter: Callable[[Loaded, Record], Any]) -> FilterSpec:
    return FilterSpec(name, rule_field, *_eq(getter))


def _member(name: str, rule_field: str, entity: Entity, attribute: str) -> FilterSpec:
    """A filter on a many-to-many link: records linked to the operand's record."""

    def gids(loaded: Loaded, record: Record) -> list[str]:
        return [loaded.gid(entity, i) for i in sorted(getattr(record, attribute))]

    return FilterSpec(
        name,
        rule_field,
        lambda loaded, record: {"eq": gids(loaded, record)[0]} if gids(loaded, record) else None,
        lambda loaded, record, operand: operand["eq"] in gids(loaded, record),
    )


def _status_gid(loaded: Loaded, record: Record) -> str:
    if isinstance(record.status, tuple):
        return loaded.stage_gid(record.status)
    assert record.status is not None
    return global_id("LeadStatus", loaded.lead_statuses[record.status])


ASSIGNED = _spec("assignedToId", "assignedTo", _user_gid)
FILTERS: dict[Entity, list[FilterSpec]] = {
    Entity.LEAD: [
        _spec("title", "title", lambda _l, r: r.title),
        _spec("lastName", "lastName", lambda _l, r: r.title.split(" ")[1]),
        _spec("statusId", "status", lambda loaded, r: _status_gid(loaded, r)),
        ASSIGNED,
    ],
    Entity.CONTACT: [
        _spec("lastName", "lastName", lambda _l, r: r.title.split(" ")[1]),
        _member("companyId", "companies", Entity.COMPANY, "companies"),
        ASSIGNED,
    ],
    Entity.COMPANY: [
        _spec("title", "title", lambda _l, r: r.title),
        _spec("industry", "industry", lambda _l, r: r.industry),
        ASSIGNED,
    ],
    Entity.DEAL: [
        _spec("title", "title", lambda _l, r: r.title),
        _spec("amount", "amount", lambda _l, r: str(r.amount)),
        _spec("stageId", "stage", lambda loaded, r: _status_gid(loaded, r)),
        _spec(
            "companyId",
            "company",
            lambda loaded, r: None if r.company is None else loaded.gid(Entity.COMPANY, r.company),
        ),
        _member("contactId", "contacts", Entity.CONTACT, "contacts"),
        ASSIGNED,
    ],
}


def _probe_operand(world: World, user: int, entity: Entity, spec: FilterSpec) -> Any:
    """An operand from a record whose value the viewer may not see, if there is one."""
    records = world.population.records[entity]
    candidates = [
        (not world.oracle.shows(user, (entity, i), spec.rule_field), i)
        for i, record in enumerate(records)
        if spec.operand(world.loaded, record) is not None
    ]
    if not candidates:
        return None
    _hidden, index = max(candidates, key=lambda c: (c[0], -c[1]))
    return spec.operand(world.loaded, records[index])


@pytest.mark.parametrize("entity", list(Entity), ids=lambda e: e.value)
@FIELD_RULE_SETTINGS
@given(population=populations())
async def test_filters_select_only_by_what_the_viewer_may_read(
    make_world: MakeWorld, population: Population, entity: Entity
) -> None:
    world = await make_world(population)
    for user, _viewer in world.viewers():
        for spec in FILTERS[entity]:
            operand = _probe_operand(world, user, entity, spec)
            if operand is None:
                continue
            found, _ = await _ask(world, user, entity, filter={spec.name: operand})
            if found is None:
                continue
            expected = {
                world.loaded.gid(entity, i)
                for i in world.oracle.readable_refs(user, entity)
                if world.oracle.shows(user, (entity, i), spec.rule_field)
                and spec.matches(world.loaded, world.population.records[entity][i], operand)
            }
            assert set(found) == expected, (user, entity, spec.name, operand)


# Ordering ------------------------------------------------------------------------------------

ORDERS = {
    Entity.LEAD: {"TITLE": "title", "LAST_NAME": "lastName"},
    Entity.CONTACT: {"LAST_NAME": "lastName", "FIRST_NAME": "firstName"},
    Entity.COMPANY: {"TITLE": "title"},
    Entity.DEAL: {"TITLE": "title", "AMOUNT": "amount"},
}


@pytest.mark.parametrize("entity", list(Entity), ids=lambda e: e.value)
@ORACLE_SETTINGS
@given(population=populations())
async def test_ordering_never_orders_by_hidden_values(
    make_world: MakeWorld, population: Population, entity: Entity
) -> None:
    """Either a coded refusal, or the readable records in an order their hidden values take
    no part in: descending, the records whose value is hidden come first, together, newest
    id first (as NULLs sort), then the others."""
    world = await make_world(population)
    loaded = world.loaded
    for user, _viewer in world.viewers():
        readable = world.oracle.readable_refs(user, entity)
        for order, rule_field in ORDERS[entity].items():
            found, _ = await _ask(
                world, user, entity, order=[{"field": order, "direction": "DESC"}]
            )
            if found is None:
                continue
            assert set(found) == {loaded.gid(entity, i) for i in readable}, (user, order)
            hidden = [i for i in readable if not world.oracle.shows(user, (entity, i), rule_field)]
            newest_first = sorted(hidden, key=lambda i: loaded.ids[entity.value][i], reverse=True)
            expected = [loaded.gid(entity, i) for i in newest_first]
            assert found[: len(hidden)] == expected, (user, entity, order, "hidden values ordered")


# Duplicates ----------------------------------------------------------------------------------

DUPLICATES = """query($phone: String) {
  duplicates(phone: $phone) { leads { id } contacts { id } companies { id } }
}"""


@ORACLE_SETTINGS
@given(population=populations())
async def test_duplicates_list_only_records_whose_phones_the_viewer_sees(
    make_world: MakeWorld, population: Population
) -> None:
    world = await make_world(population)
    for user, viewer in world.viewers():
        for phone in PHONES:
            data = await viewer.data(DUPLICATES, {"phone": phone})
            for entity in (Entity.LEAD, Entity.CONTACT, Entity.COMPANY):
                expected = {
                    world.loaded.gid(entity, i)
                    for i in world.oracle.readable_refs(user, entity)
                    if population.records[entity][i].phone == phone
                    and world.oracle.shows(user, (entity, i), "communications")
                }
                got = {node["id"] for node in data["duplicates"][LISTS[entity]]}
                assert got == expected, (user, phone, entity)
