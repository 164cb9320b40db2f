"""The administrator's custom field API: create, rename, reorder, change options, delete
(with a confirmation, taking the values and the field rules along); only administrators
change definitions; field rules name custom fields by code."""

from __future__ import annotations

from typing import Any

from schema.relay import encode_id
from tests.access.test_admin_api import create_role
from tests.access.test_rule_scopes_api import SET_FIELD_RULE
from tests.client import GraphQLClient
from tests.crm.custom_api import CREATE_DEAL, create_field, titles, value

LIST = "{ customFields(entity: DEAL) { id code name sort options } }"
RENAME = "mutation($id: ID!, $n: String!) { renameCustomField(id: $id, name: $n) { name code } }"
REORDER = """
mutation($ids: [ID!]!) { reorderCustomFields(entity: DEAL, ids: $ids) { code sort } }"""
OPTIONS = """
mutation($id: ID!, $o: [String!]!) { setCustomFieldOptions(id: $id, options: $o) { options } }"""
DELETE = "mutation($id: ID!, $c: Boolean) { deleteCustomField(id: $id, confirm: $c) }"
ROLE_RULES = "query($id: ID!) { node(id: $id) { ... on Role { fieldRules { field rule } } } }"


async def _codes(admin: GraphQLClient) -> list[str]:
    return [field["code"] for field in (await admin.data(LIST))["customFields"]]


async def test_create_rename_and_reorder(admin: GraphQLClient) -> None:
    first = await create_field(admin, entity="DEAL", code="uf_one", name="One", kind="STRING")
    second = await create_field(admin, entity="DEAL", code="UF_TWO", name="Two", kind="INTEGER")
    assert first["code"] == "UF_ONE"
    assert await _codes(admin) == ["UF_ONE", "UF_TWO"]
    renamed = await admin.data(RENAME, {"id": first["id"], "n": "Uno"})
    assert renamed["renameCustomField"] == {"name": "Uno", "code": "UF_ONE"}
    await admin.data(REORDER, {"ids": [second["id"], first["id"]]})
    assert await _codes(admin) == ["UF_TWO", "UF_ONE"]
    created = await admin.data(CREATE_DEAL, {"input": {"title": "t"}})
    assert [field["field"] for field in created["createDeal"]["customFields"]] == [
        "UF_TWO",
        "UF_ONE",
    ]
    answer = await admin.request(REORDER, {"ids": [second["id"]]})
    assert answer.code == "BAD_USER_INPUT"


async def test_bad_definitions_are_refused(admin: GraphQLClient) -> None:
    await create_field(admin, entity="DEAL", code="UF_A", name="A", kind="STRING")
    for input, field in (
        ({"code": "UF_A", "kind": "STRING"}, "code"),
        ({"code": "amount", "kind": "STRING"}, "code"),
        ({"code": "UF_B", "kind": "ENUMERATION"}, "options"),
        ({"code": "UF_B", "kind": "STRING", "options": ["x"]}, "options"),
        ({"code": "UF_B", "kind": "BOOLEAN", "multiple": True}, "multiple"),
        ({"code": "UF_B", "kind": "INTEGER", "default": [{"string": "x"}]}, "default"),
    ):
        answer = await admin.request(
            "mutation($i: CustomFieldDefinitionInput!) { createCustomField(input: $i) { id } }",
            {"i": {"entity": "DEAL", "name": "B"} | input},
        )
        assert answer.code == "BAD_USER_INPUT", input
        assert answer.error_field == field, input


async def test_only_administrators_change_definitions(
    admin: GraphQLClient, member: GraphQLClient
) -> None:
    field = await create_field(admin, entity="DEAL", code="UF_A", name="A", kind="STRING")
    answer = await member.request(RENAME, {"id": field["id"], "n": "B"})
    assert answer.code == "FORBIDDEN"
    answer = await member.request(DELETE, {"id": field["id"], "c": True})
    assert answer.code == "FORBIDDEN"
    # Everyone may read the definitions, to show the fields.
    assert [item["code"] for item in (await member.data(LIST))["customFields"]] == ["UF_A"]


async def test_changing_options_drops_the_values_of_removed_ones(admin: GraphQLClient) -> None:
    field = await create_field(
        admin, entity="DEAL", code="UF_E", name="E", kind="ENUMERATION", options=["a", "b"]
    )
    for option in ("a", "b"):
        given = [value("UF_E", string=option)]
        await admin.data(CREATE_DEAL, {"input": {"title": option, "customFields": given}})
    changed = await admin.data(OPTIONS, {"id": field["id"], "o": ["b", "c"]})
    assert changed["setCustomFieldOptions"]["options"] == ["b", "c"]
    assert await titles(admin, {"custom": [{"field": "UF_E", "isNull": False}]}) == ["b"]
    answer = await admin.request(
        CREATE_DEAL, {"input": {"title": "x", "customFields": [value("UF_E", string="a")]}}
    )
    assert answer.code == "BAD_USER_INPUT"


async def test_deleting_needs_confirmation_and_takes_values_and_rules(
    admin: GraphQLClient,
) -> None:
    field = await create_field(admin, entity="DEAL", code="UF_GONE", name="Gone", kind="STRING")
    await admin.data(
        CREATE_DEAL, {"input": {"title": "t", "customFields": [value("UF_GONE", string="v")]}}
    )
    role = await create_role(admin, "Reader")
    rule = {"role": role, "entity": "DEAL", "field": "UF_GONE", "rule": "READ_ONLY"}
    await admin.data(SET_FIELD_RULE, rule)
    answer = await admin.request(DELETE, {"id": field["id"], "c": False})
    assert answer.code == "BAD_USER_INPUT"
    assert answer.error_field == "confirm"
    assert (await admin.data(DELETE, {"id": field["id"], "c": True}))["deleteCustomField"]
    assert await _codes(admin) == []
    rules: Any = (await admin.data(ROLE_RULES, {"id": role}))["node"]["fieldRules"]
    assert rules == []
    answer = await admin.request(SET_FIELD_RULE, rule)
    assert answer.code == "BAD_USER_INPUT"
    # A field made again with the same code starts empty.
    await create_field(admin, entity="DEAL", code="UF_GONE", name="Gone", kind="STRING")
    data = await admin.data("{ deals { edges { node { customFields { values { string } } } } } }")
    assert data["deals"]["edges"][0]["node"]["customFields"] == [{"values": []}]
    missing = encode_id("CustomField", 999_999)
    answer = await admin.request(DELETE, {"id": missing, "c": True})
    assert answer.code == "NOT_FOUND"
