"""Imports through the public API: CSV and XLSX files, encodings and delimiters, bad files,
rights, duplicates policies."""

from __future__ import annotations

from starlette.applications import Starlette

from tests.client import GraphQLClient
from tests.imports.api import errors, imported, outcomes

CONTACTS = """
query { contacts(first: 100, orderBy: [{field: LAST_NAME}]) {
  totalCount edges { node { id firstName lastName position communications { kind value } } } } }"""


async def test_a_csv_file_of_contacts(app: Starlette, member: GraphQLClient) -> None:
    content = (
        "First Name,last_name,Position,phones,emails,Shoe size\r\n"
        "Ann,Lee,CEO,+7 900 000 0001,ann@example.com,42\r\n"
        ",,Nobody,,,\r\n"
        "Bob,Ray,,8 900 000 0002; +7 900 000 0003,bob@example.com,41\r\n"
    ).encode()
    found = await imported(app, member, "CONTACT", content)
    assert found["status"] == "DONE", found
    assert (found["total"], found["created"], found["failed"]) == (3, 2, 1)
    assert found["progress"] == 1.0
    assert found["delimiter"] == "," and found["encoding"] == "utf-8"
    assert [(c["column"], c["field"], c["status"]) for c in found["columns"]] == [
        ("First Name", "firstName", "MAPPED"),
        ("last_name", "lastName", "MAPPED"),
        ("Position", "position", "MAPPED"),
        ("phones", "phones", "MAPPED"),
        ("emails", "emails", "MAPPED"),
        ("Shoe size", None, "UNKNOWN"),
    ]
    assert outcomes(found) == ["CREATED", "FAILED", "CREATED"]
    assert errors(found)[1] == [("lastName", "A contact needs a first or a last name")]
    contacts = (await member.data(CONTACTS))["contacts"]
    assert contacts["totalCount"] == 2
    bob = contacts["edges"][1]["node"]
    assert [item["value"] for item in bob["communications"]] == [
        "8 900 000 0002",
        "+7 900 000 0003",
        "bob@example.com",
    ]
