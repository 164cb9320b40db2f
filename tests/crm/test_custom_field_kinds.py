"""Each kind of custom field takes its typed values, refuses others with BAD_USER_INPUT
naming the field, filters and orders with its operators; required fields and defaults; the
four entities alike."""

from __future__ import annotations

from typing import Any

import pytest

from schema.relay import encode_id
from tests.client import GraphQLClient
from tests.crm.custom_api import CREATE_DEAL, create_field, titles, value
from tests.factories import Seed

KINDS: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    # kind, a good value, what reads back, a bad value
    ("STRING", {"string": " Hi "}, {"string": "Hi"}, {"string": "x" * 256}),
    ("TEXT", {"string": "long\ntext"}, {"string": "long\ntext"}, {"integer": 1}),
    ("INTEGER", {"integer": -7}, {"integer": -7}, {"string": "7"}),
    ("DECIMAL", {"decimal": "-12.5"}, {"decimal": "-12.50"}, {"decimal": "1.005"}),
    (
        "MONEY",
        {"decimal": "99.90", "currency": "eur"},
        {"decimal": "99.90", "currency": "EUR"},
        {"decimal": "1.00"},
    ),
    ("BOOLEAN", {"boolean": False}, {"boolean": False}, {"string": "no"}),
    ("DATE", {"date": "2026-02-28"}, {"date": "2026-02-28"}, {"datetime": "2026-02-28T00:00Z"}),
    (
        "DATETIME",
        {"datetime": "2026-02-28T10:00:00+02:00"},
        {"datetime": "2026-02-28T08:00:00+00:00"},
        {"datetime": "2026-02-28T10:00:00"},
    ),
    (
        "URL",
        {"string": "https://example.com/a"},
        {"string": "https://example.com/a"},
        {"string": "ftp://x"},
    ),
    ("EMAIL", {"string": "A@Example.com"}, {"string": "a@example.com"}, {"string": "a@b"}),
    ("PHONE", {"string": "+1 (555) 010-99"}, {"string": "+1 (555) 010-99"}, {"string": "call me"}),
]
MEMBERS = ("string", "integer", "decimal", "currency", "boolean", "date", "datetime", "userId")


def _read(values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{key: item[key] for key in MEMBERS if item[key] is not None} for item in values]


@pytest.mark.parametrize(("kind", "good", "read", "bad"), KINDS, ids=[kind[0] for kind in KINDS])
async def test_a_kind_takes_its_values_and_refuses_others(
    admin: GraphQLClient, kind: str, good: dict[str, Any], read: dict[str, Any], bad: dict[str, Any]
) -> None:
    await create_field(admin, entity="DEAL", code="UF_X", name="Thing", kind=kind)
    created = await admin.data(
        CREATE_DEAL, {"input": {"title": "t", "customFields": [value("UF_X", **good)]}}
    )
    (field,) = created["createDeal"]["customFields"]
    assert (field["field"], field["name"], field["kind"]) == ("UF_X", "Thing", kind)
    assert _read(field["values"]) == [read]
    answer = await admin.request(
        CREATE_DEAL, {"input": {"title": "t", "customFields": [value("UF_X", **bad)]}}
    )
    assert answer.code == "BAD_USER_INPUT"
    assert answer.error_field == "UF_X"


async def test_a_user_reference(admin: GraphQLClient, seed: Seed) -> None:
    await create_field(admin, entity="DEAL", code="UF_MENTOR", name="Mentor", kind="USER")
    member = encode_id("User", seed.member.id)
    created = await admin.data(
        CREATE_DEAL, {"input": {"title": "t", "customFields": [value("UF_MENTOR", userId=member)]}}
    )
    assert created["createDeal"]["customFields"][0]["values"][0]["userId"] == member
    data = await admin.data(
        '{ deals { edges { node { customField(code: "UF_MENTOR") '
        "{ values { user { email } } } } } } }"
    )
    node = data["deals"]["edges"][0]["node"]
    assert node["customField"]["values"] == [{"user": {"email": "member@example.com"}}]
    missing = encode_id("User", 999_999)
    answer = await admin.request(
        CREATE_DEAL, {"input": {"title": "t", "customFields": [value("UF_MENTOR", userId=missing)]}}
    )
    assert answer.code == "NOT_FOUND"
    assert answer.error_field == "UF_MENTOR"
    assert await titles(admin, {"custom": [{"field": "UF_MENTOR", "eq": member}]}) == ["t"]


async def test_numbers_and_dates_filter_by_range_and_order(admin: GraphQLClient) -> None:
    await create_field(admin, entity="DEAL", code="UF_SIZE", name="Size", kind="DECIMAL")
    await create_field(admin, entity="DEAL", code="UF_DUE", name="Due", kind="DATE")
    for title, size, due in (("a", "10.00", "2026-03-01"), ("b", "2.50", "2026-01-01")):
        fields = [value("UF_SIZE", decimal=size), value("UF_DUE", date=due)]
        await admin.data(CREATE_DEAL, {"input": {"title": title, "customFields": fields}})
    await admin.data(CREATE_DEAL, {"input": {"title": "c"}})
    assert await titles(admin, {"custom": [{"field": "UF_SIZE", "gte": "3"}]}) == ["a"]
    assert await titles(admin, {"custom": [{"field": "UF_DUE", "lt": "2026-02-01"}]}) == ["b"]
    assert await titles(admin, order=[{"custom": "UF_SIZE"}]) == ["b", "a", "c"]
    assert await titles(admin, order=[{"custom": "UF_DUE", "direction": "DESC"}]) == [
        "c",
        "a",
        "b",
    ]
    for condition in ({"gt": "soon"}, {"contains": "2026"}):
        answer = await admin.request(
            "query($f: DealFilter) { deals(filter: $f) { totalCount } }",
            {"f": {"custom": [{"field": "UF_DUE"} | condition]}},
        )
        assert answer.code == "BAD_USER_INPUT"


async def test_flags_filter_and_order(admin: GraphQLClient) -> None:
    await create_field(admin, entity="DEAL", code="UF_HOT", name="Hot", kind="BOOLEAN")
    for title, hot in (("yes", True), ("no", False)):
        given = [value("UF_HOT", boolean=hot)]
        await admin.data(CREATE_DEAL, {"input": {"title": title, "customFields": given}})
    assert await titles(admin, {"custom": [{"field": "UF_HOT", "eq": "true"}]}) == ["yes"]
    assert await titles(admin, order=[{"custom": "UF_HOT"}]) == ["no", "yes"]


async def test_pages_ordered_by_a_custom_field_follow_each_other(admin: GraphQLClient) -> None:
    await create_field(admin, entity="DEAL", code="UF_RANK", name="Rank", kind="INTEGER")
    for rank in (3, 1, 2, None, 1):
        given = [] if rank is None else [value("UF_RANK", integer=rank)]
        await admin.data(CREATE_DEAL, {"input": {"title": f"r{rank}", "customFields": given}})
    seen, after = [], None
    query = """
    query($after: String) {
      deals(first: 2, after: $after, orderBy: [{custom: "UF_RANK"}]) {
        pageInfo { hasNextPage endCursor } edges { node { title } }
      }
    }"""
    while True:
        page = (await admin.data(query, {"after": after}))["deals"]
        seen += [edge["node"]["title"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["r1", "r1", "r2", "r3", "rNone"]


async def test_multiple_values_required_fields_and_defaults(admin: GraphQLClient) -> None:
    await create_field(
        admin,
        entity="DEAL",
        code="UF_TAGS",
        name="Tags",
        kind="ENUMERATION",
        multiple=True,
        options=["a", "b", "c"],
        default=[{"string": "c"}],
    )
    await create_field(
        admin, entity="DEAL", code="UF_NEED", name="Needed", kind="STRING", required=True
    )
    answer = await admin.request(CREATE_DEAL, {"input": {"title": "t"}})
    assert answer.code == "BAD_USER_INPUT"
    assert answer.error_field == "UF_NEED"
    assert "Needed" in answer.errors[0]["message"]
    created = await admin.data(
        CREATE_DEAL, {"input": {"title": "t", "customFields": [value("UF_NEED", string="x")]}}
    )
    tags = next(f for f in created["createDeal"]["customFields"] if f["field"] == "UF_TAGS")
    assert [item["string"] for item in tags["values"]] == ["c"]
    deal = created["createDeal"]["id"]
    update = """
    mutation($id: ID!, $input: DealPatch!) {
      updateDeal(id: $id, input: $input) { customField(code: "UF_TAGS") { values { string } } }
    }"""
    both = {"field": "UF_TAGS", "values": [{"string": "b"}, {"string": "a"}]}
    changed = await admin.data(update, {"id": deal, "input": {"customFields": [both]}})
    assert changed["updateDeal"]["customField"]["values"] == [{"string": "b"}, {"string": "a"}]
    assert await titles(admin, {"custom": [{"field": "UF_TAGS", "eq": "a"}]}) == ["t"]
    cleared = {"field": "UF_NEED", "values": []}
    answer = await admin.request(update, {"id": deal, "input": {"customFields": [cleared]}})
    assert answer.code == "BAD_USER_INPUT"
    assert answer.error_field == "UF_NEED"
    unknown = {"field": "UF_NOPE", "values": []}
    answer = await admin.request(update, {"id": deal, "input": {"customFields": [unknown]}})
    assert answer.code == "BAD_USER_INPUT"


ENTITIES = [
    ("LEAD", "createLead", "LeadInput", {"title": "x"}),
    ("CONTACT", "createContact", "ContactInput", {"firstName": "x"}),
    ("COMPANY", "createCompany", "CompanyInput", {"title": "x"}),
]


@pytest.mark.parametrize(("entity", "mutation", "input_type", "input"), ENTITIES)
async def test_every_entity_has_custom_fields(
    admin: GraphQLClient, entity: str, mutation: str, input_type: str, input: dict[str, Any]
) -> None:
    await create_field(admin, entity=entity, code="UF_NOTE", name="Note", kind="STRING")
    document = f"""
    mutation($input: {input_type}!) {{
      {mutation}(input: $input) {{ id updatedAt customFields {{ field values {{ string }} }} }}
    }}"""
    given = input | {"customFields": [value("UF_NOTE", string="hello")]}
    created = (await admin.data(document, {"input": given}))[mutation]
    assert created["customFields"] == [{"field": "UF_NOTE", "values": [{"string": "hello"}]}]
    update = mutation.replace("create", "update")
    patch = f"""
    mutation($id: ID!, $input: {input_type.replace("Input", "Patch")}!) {{
      {update}(id: $id, input: $input) {{
        updatedAt customFields {{ field values {{ string }} }}
      }}
    }}"""
    changed = await admin.data(
        patch, {"id": created["id"], "input": {"customFields": [value("UF_NOTE", string="bye")]}}
    )
    assert changed[update]["customFields"] == [{"field": "UF_NOTE", "values": [{"string": "bye"}]}]
    assert changed[update]["updatedAt"] > created["updatedAt"]
    plural = {"LEAD": "leads", "CONTACT": "contacts", "COMPANY": "companies"}[entity]
    condition = '{custom: [{field: "UF_NOTE", contains: "BY"}]}'
    found = await admin.data(f"{{ {plural}(filter: {condition}) {{ totalCount }} }}")
    assert found[plural]["totalCount"] == 1
