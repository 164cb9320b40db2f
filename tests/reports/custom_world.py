"""The demo company with custom fields on deals and leads, set at random (seeded), and an
intern role that hides some of them in some statuses: the world of the custom field report
tests. Expected figures are computed in Python from what each viewer reads through the
lists (`deals`, `leads`), never from the reports' SQL."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import product
from typing import Any
from zoneinfo import ZoneInfo

from tests.client import GraphQLClient
from tests.crm.custom_api import create_field
from tests.leaks.conftest import LogIn
from tests.reports.conftest import HEAD, INTERN, MANAGER

ADMIN = "admin@example.com"
VIEWERS = (ADMIN, HEAD, MANAGER, INTERN)
HIDDEN = "<hidden>"
Row = dict[str, Any]

VALUES = "customFields { field values { string integer boolean date datetime userId } }"
DEALS = f"""query($after: String, $filter: DealFilter) {{
  deals(first: 40, after: $after, filter: $filter) {{
  totalCount pageInfo {{ hasNextPage endCursor }}
  edges {{ node {{ id semantics amount currency pipeline {{ id }} stage {{ id }}
    assignedTo {{ id }} access {{ hiddenFields }} {VALUES} }} }} }} }}"""
LEADS = f"""query($after: String, $filter: LeadFilter) {{
  leads(first: 40, after: $after, filter: $filter) {{
  totalCount pageInfo {{ hasNextPage endCursor }}
  edges {{ node {{ id convertedAt status {{ id }} access {{ hiddenFields }} {VALUES} }} }} }} }}"""
ROLES = "{ roles(first: 20) { edges { node { id name } } } }"
USERS = "{ users(first: 100) { edges { node { id email } } } }"
PIPELINES = "{ pipelines { id stages { id semantics } } leadStatuses { id semantics } }"
HIDE = """mutation($role: ID!, $entity: AccessEntity!, $field: String!, $status: ID,
                   $semantics: Semantics) {
  setFieldRule(roleId: $role, entity: $entity, field: $field, rule: HIDDEN, statusId: $status,
               semantics: $semantics) { id } }"""
UPDATE_DEAL = """mutation($id: ID!, $input: DealPatch!) { updateDeal(id: $id, input: $input) {
  id } }"""
MOVE_DEAL = "mutation($id: ID!, $stage: ID!) { moveDeal(id: $id, stageId: $stage) { id } }"
UPDATE_LEAD = """mutation($id: ID!, $input: LeadPatch!) { updateLead(id: $id, input: $input) {
  id } }"""


@dataclass(frozen=True)
class Spec:
    code: str
    kind: str
    multiple: bool = False
    options: tuple[str, ...] = ()


CHANNELS = Spec("UF_CHANNELS", "ENUMERATION", True, ("Web", "Phone", "Partner", "Fair"))
DEAL_FIELDS = (
    CHANNELS,
    Spec("UF_VIP", "BOOLEAN"),
    Spec("UF_SCOUT", "USER"),
    Spec("UF_REGION", "STRING"),
    Spec("UF_SEATS", "INTEGER"),
    Spec("UF_DUE", "DATE", True),
    Spec("UF_MET", "DATETIME"),
)
TOPICS = Spec("UF_TOPICS", "ENUMERATION", True, ("Price", "Demo", "Support"))
LEAD_FIELDS = (TOPICS, Spec("UF_CALLED", "DATETIME"), Spec("UF_SIZE", "INTEGER"))
# Kinds reports do not group by.
UNGROUPABLE = (Spec("UF_NOTE", "TEXT"), Spec("UF_RATE", "DECIMAL"), Spec("UF_LINK", "CRM_RECORD"))
REGIONS = ("North", "north", "South", "East")
# Records given values (the others have none: the null group).
SAMPLE = 50


@dataclass
class World:
    admin: GraphQLClient
    clients: dict[str, GraphQLClient]
    user_ids: dict[str, str]
    # The working deal stage and the lead status in which the intern's role hides
    # UF_CHANNELS and UF_TOPICS; the deal semantics in which it hides UF_SEATS.
    hiding_stage: str
    hiding_status: str


async def make_world(demo: LogIn, seed: int) -> World:
    rng = random.Random(seed)
    admin = await demo(ADMIN)
    for entity, specs in (("DEAL", DEAL_FIELDS + UNGROUPABLE), ("LEAD", LEAD_FIELDS)):
        for spec in specs:
            await create_field(
                admin,
                entity=entity,
                code=spec.code,
                name=spec.code.title(),
                kind=spec.kind,
                multiple=spec.multiple,
                options=list(spec.options) or None,
            )
    users = {
        edge["node"]["email"]: edge["node"]["id"]
        for edge in (await admin.data(USERS))["users"]["edges"]
    }
    dictionaries = await admin.data(PIPELINES)
    stages = {p["id"]: p["stages"] for p in dictionaries["pipelines"]}
    working = [s["id"] for s in stages[dictionaries["pipelines"][0]["id"]]]
    working = [
        s["id"] for s in stages[dictionaries["pipelines"][0]["id"]] if s["semantics"] == "PROCESS"
    ]
    statuses = [s["id"] for s in dictionaries["leadStatuses"] if s["semantics"] == "PROCESS"]
    world = World(admin, {}, users, hiding_stage=working[1], hiding_status=statuses[0])
    await _set_deals(admin, rng, users, stages)
    await _set_leads(admin, rng, users)
    roles = {
        e["node"]["name"]: e["node"]["id"] for e in (await admin.data(ROLES))["roles"]["edges"]
    }
    intern = roles["Intern"]
    await admin.data(
        HIDE,
        {"role": intern, "entity": "DEAL", "field": CHANNELS.code, "status": world.hiding_stage},
    )
    await admin.data(
        HIDE, {"role": intern, "entity": "DEAL", "field": "UF_SEATS", "semantics": "FAILURE"}
    )
    await admin.data(
        HIDE,
        {"role": intern, "entity": "LEAD", "field": TOPICS.code, "status": world.hiding_status},
    )
    for email in VIEWERS:
        world.clients[email] = await demo(email)
    return world


def _value(spec: Spec, rng: random.Random, users: list[str]) -> list[dict[str, Any]]:
    """Random values of a field (none, sometimes)."""
    if rng.random() < 0.25:
        return []
    count = rng.randint(1, 3) if spec.multiple else 1
    if spec.kind == "ENUMERATION":
        return [{"string": option} for option in rng.sample(spec.options, count)]
    values: list[dict[str, Any]] = []
    for _ in range(count):
        if spec.kind == "BOOLEAN":
            values.append({"boolean": rng.random() < 0.5})
        elif spec.kind == "USER":
            values.append({"userId": rng.choice(users)})
        elif spec.kind == "STRING":
            values.append({"string": rng.choice(REGIONS)})
        elif spec.kind == "INTEGER":
            values.append({"integer": rng.randrange(-3, 8)})
        elif spec.kind == "DATE":
            values.append({"date": (date(2026, 1, 1) + timedelta(rng.randrange(120))).isoformat()})
        else:
            # Near the ends of months, so that a time zone moves some across a period.
            day = date(2026, rng.randint(1, 6), rng.choice([1, 28]))
            moment = datetime(day.year, day.month, day.day, rng.randrange(24), tzinfo=UTC)
            values.append({"datetime": moment.isoformat()})
    return values


async def _set_deals(
    admin: GraphQLClient, rng: random.Random, users: dict[str, str], stages: dict[str, Any]
) -> None:
    """Random values on some deals, a third of them the intern's, some in a random stage."""
    people = sorted(users.values())
    deals = await rows(admin, DEALS, "deals")
    for deal in rng.sample(deals, min(SAMPLE, len(deals))):
        if rng.random() < 0.3:
            stage = rng.choice(stages[deal["pipeline"]["id"]])["id"]
            await admin.data(MOVE_DEAL, {"id": deal["id"], "stage": stage})
        patch: dict[str, Any] = {
            "customFields": [
                {"field": spec.code, "values": _value(spec, rng, people)} for spec in DEAL_FIELDS
            ]
        }
        if rng.random() < 0.3:
            patch["assignedToId"] = users[INTERN]
        await admin.data(UPDATE_DEAL, {"id": deal["id"], "input": patch})


async def _set_leads(admin: GraphQLClient, rng: random.Random, users: dict[str, str]) -> None:
    people = sorted(users.values())
    leads = await rows(admin, LEADS, "leads")
    for lead in rng.sample(leads, min(SAMPLE, len(leads))):
        patch: dict[str, Any] = {
            "customFields": [
                {"field": spec.code, "values": _value(spec, rng, people)} for spec in LEAD_FIELDS
            ]
        }
        if rng.random() < 0.3:
            patch["assignedToId"] = users[INTERN]
        await admin.data(UPDATE_LEAD, {"id": lead["id"], "input": patch})


async def rows(
    client: GraphQLClient, query: str, name: str, filter: dict[str, Any] | None = None
) -> list[Row]:
    """Every record of a list, page by page."""
    found: list[Row] = []
    after = None
    while True:
        page = (await client.data(query, {"after": after, "filter": filter}))[name]
        found.extend(edge["node"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


# The oracle's group keys -----------------------------------------------------------------

SPECS = {spec.code: spec for spec in (*DEAL_FIELDS, *LEAD_FIELDS)}


def period_start(value: str, kind: str, period: str, zone: str) -> str:
    """The first day of the period holding a DATE or DATETIME value, in ``zone``."""
    if kind == "DATE":
        day = date.fromisoformat(value)
    else:
        day = datetime.fromisoformat(value).astimezone(ZoneInfo(zone)).date()
    if period == "WEEK":
        day -= timedelta(days=day.weekday())
    elif period == "MONTH":
        day = day.replace(day=1)
    elif period == "YEAR":
        day = day.replace(month=1, day=1)
    return day.isoformat()


def custom_keys(row: Row, code: str, period: str, zone: str) -> set[Any]:
    """A record's keys in a custom field dimension: one per distinct value, None without
    any, HIDDEN where the list hides the field."""
    if code in row["access"]["hiddenFields"]:
        return {HIDDEN}
    entry = next(item for item in row["customFields"] if item["field"] == code)
    kind = SPECS[code].kind
    keys: set[Any] = set()
    for value in entry["values"]:
        if kind in ("ENUMERATION", "STRING"):
            keys.add(value["string"])
        elif kind == "BOOLEAN":
            keys.add(value["boolean"])
        elif kind == "USER":
            keys.add(value["userId"])
        elif kind == "INTEGER":
            keys.add(value["integer"])
        else:
            moment = value["date"] if kind == "DATE" else value["datetime"]
            keys.add(period_start(moment, kind, period, zone))
    return keys or {None}


def row_keys(row: Row, codes: list[str], period: str, zone: str) -> Iterator[tuple[Any, ...]]:
    """Every group a record counts in: one per combination of its keys."""
    yield from product(*(sorted(custom_keys(row, code, period, zone), key=repr) for code in codes))


def report_key(key: Row) -> tuple[Any, ...]:
    """A report group's custom key in the oracle's terms."""
    found = []
    for item in key["custom"]:
        if item["hidden"]:
            found.append(HIDDEN)
            continue
        kind = SPECS[item["field"]].kind
        member = {
            "ENUMERATION": "string",
            "STRING": "string",
            "BOOLEAN": "boolean",
            "USER": "userId",
            "INTEGER": "integer",
            "DATE": "period",
            "DATETIME": "period",
        }[kind]
        found.append(item[member])
    return tuple(found)
