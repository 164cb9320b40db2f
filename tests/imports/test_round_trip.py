"""Export → import round trip: contacts with phones, e-mails, a company and custom values,
exported to CSV (and XLSX) through ``exportContacts``, deleted, imported back (a dry run
first, which writes nothing), then compared field by field."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette

from tests.client import GraphQLClient
from tests.crm.api import CREATE_COMPANY
from tests.crm.custom_api import create_field
from tests.crm.export_files import download, export_link
from tests.imports.api import imported, outcomes

CREATE = """
mutation($input: ContactInput!) { createContact(input: $input) { id } }"""
CONTACTS = """
query { contacts(first: 10, orderBy: [{field: LAST_NAME}]) { totalCount edges { node {
  id firstName lastName position opened assignedTo { name }
  communications { kind value valueType }
  companies { title }
  customFields { field values { string integer decimal currency boolean date } }
} } } }"""
FIELDS: list[dict[str, Any]] = [
    {"code": "UF_SHOE", "name": "Shoe size", "kind": "INTEGER"},
    {"code": "UF_TAGS", "name": "Tags", "kind": "STRING", "multiple": True},
    {"code": "UF_BIRTH", "name": "Birthday", "kind": "DATE"},
    {"code": "UF_VIP", "name": "VIP", "kind": "BOOLEAN"},
    {"code": "UF_BUDGET", "name": "Budget", "kind": "MONEY"},
]


def _value(field: str, *values: dict[str, Any]) -> dict[str, Any]:
    return {"field": field, "values": list(values)}


async def _contacts(client: GraphQLClient) -> list[dict[str, Any]]:
    data = await client.data(CONTACTS)
    nodes = [edge["node"] for edge in data["contacts"]["edges"]]
    for node in nodes:
        node.pop("id")
        node["customFields"] = sorted(node["customFields"], key=lambda item: item["field"])
    return nodes


@pytest.mark.parametrize("format", ["CSV", "XLSX"])
async def test_contacts_survive_an_export_and_an_import(
    app: Starlette, admin: GraphQLClient, member: GraphQLClient, format: str
) -> None:
    for field in FIELDS:
        await create_field(admin, entity="CONTACT", **field)
    company = (await member.data(CREATE_COMPANY, {"input": {"title": "Acme, Inc."}}))[
        "createCompany"
    ]["id"]
    people = [
        {
            "firstName": "Анна",
            "lastName": "Иванова",
            "position": "=Director",
            "companyIds": [company],
            "communications": [
                {"kind": "PHONE", "value": "+7 900 111 2233"},
                {"kind": "PHONE", "value": "8 (495) 123-45-67"},
                {"kind": "EMAIL", "value": "anna@example.com"},
            ],
            "customFields": [
                _value("UF_SHOE", {"integer": 38}),
                _value("UF_TAGS", {"string": "friend"}, {"string": "lead, hot"}),
                _value("UF_BIRTH", {"date": "1990-05-17"}),
                _value("UF_VIP", {"boolean": True}),
                _value("UF_BUDGET", {"decimal": "1250.50", "currency": "EUR"}),
            ],
        },
        {
            "firstName": "Bob",
            "lastName": 'O"Brien; Jr',
            "opened": False,
            "communications": [{"kind": "EMAIL", "value": "bob@example.com"}],
            "customFields": [_value("UF_VIP", {"boolean": False})],
        },
        {"lastName": "Zed", "position": "Line one\nline two"},
    ]
    for person in people:
        await member.data(CREATE, {"input": person})
    before = await _contacts(member)
    link = await export_link(member, "Contacts", "ContactFilter", "ContactOrder", format=format)
    content = (await download(member, link["url"])).content
    ids = [edge["node"]["id"] for edge in (await member.data(CONTACTS))["contacts"]["edges"]]
    for pk in ids:
        await member.data("mutation($id: ID!) { deleteContact(id: $id) }", {"id": pk})

    dry = await imported(
        app, member, "CONTACT", content, filename=f"contacts.{format.lower()}", dry_run=True
    )
    assert dry["status"] == "DONE", dry
    assert dry["fileFormat"] == format
    assert (dry["total"], dry["created"], dry["failed"]) == (3, 3, 0), dry["rows"]
    assert outcomes(dry) == ["CREATED"] * 3
    assert [edge["node"]["recordId"] for edge in dry["rows"]["edges"]] == [None] * 3
    assert await _contacts(member) == []

    real = await imported(app, member, "CONTACT", content, filename=f"c.{format.lower()}")
    assert (real["status"], real["created"], real["failed"]) == ("DONE", 3, 0), real["rows"]
    statuses = {item["column"]: item["status"] for item in real["columns"]}
    assert statuses["id"] == statuses["createdAt"] == "NOT_WRITABLE"
    assert statuses["UF_TAGS"] == statuses["phones"] == statuses["companies"] == "MAPPED"
    assert await _contacts(member) == before
