"""Imports through the public API: CSV and XLSX files, encodings and delimiters, bad files,
rights, duplicates policies."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from starlette.applications import Starlette

from models import AccessAction, AccessLevel, SessionFactory
from models.crm import CrmEntity
from tests.client import GraphQLClient
from tests.conftest import logged_in
from tests.factories import Seed, every_action, grant_role
from tests.imports.api import JOB, errors, finish, imported, outcomes, start, started

CREATE_CONTACT_FULL = """
mutation($input: ContactInput!) { createContact(input: $input) { id } }"""

CONTACTS = """
query { contacts(first: 100, orderBy: [{field: LAST_NAME}]) {
  totalCount edges { node { id firstName lastName position communications { kind value } } } } }"""


async def test_a_csv_file_of_contacts(app: Starlette, member: GraphQLClient) -> None:
    content = (
        b"First Name,last_name,Position,phones,emails,Shoe size\r\n"
        b"Ann,Lee,CEO,+7 900 000 0001,ann@example.com,42\r\n"
        b",,Nobody,,,\r\n"
        b"Bob,Ray,,8 900 000 0002; +7 900 000 0003,bob@example.com,41\r\n"
    )
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


async def test_a_windows_1251_file_as_russian_excel_writes_it(
    app: Starlette, member: GraphQLClient
) -> None:
    content = (
        "Имя;Фамилия;Должность;Телефоны\r\n"
        "Иван;Петров;Директор;+7 (900) 123-45-67\r\n"
        'Ольга;"Сидорова; мл.";Бухгалтер;\r\n'
    )
    mapping = [
        {"column": "Имя", "field": "firstName"},
        {"column": "Фамилия", "field": "lastName"},
        {"column": "Должность", "field": "position"},
        {"column": "Телефоны", "field": "phones"},
    ]
    found = await imported(app, member, "CONTACT", content.encode("cp1251"), mapping=mapping)
    assert (found["status"], found["created"]) == ("DONE", 2), found
    assert (found["encoding"], found["delimiter"]) == ("cp1251", ";")
    nodes = [edge["node"] for edge in (await member.data(CONTACTS))["contacts"]["edges"]]
    assert [(n["firstName"], n["lastName"], n["position"]) for n in nodes] == [
        ("Иван", "Петров", "Директор"),
        ("Ольга", "Сидорова; мл.", "Бухгалтер"),
    ]


async def test_utf8_without_a_bom_tabs_and_pipes(app: Starlette, member: GraphQLClient) -> None:
    for delimiter in ("\t", "|"):
        content = f"lastName{delimiter}position\nÉlodie{delimiter}Chef, cuisine\n".encode()
        found = await imported(app, member, "CONTACT", content)
        assert (found["delimiter"], found["encoding"], found["created"]) == (
            delimiter,
            "utf-8",
            1,
        ), found


async def test_a_wrong_encoding_given_fails_the_job_saying_why(
    app: Starlette, member: GraphQLClient
) -> None:
    content = "lastName\nЖЩЮЯ\n".encode("cp1251")
    found = await imported(app, member, "CONTACT", content, encoding="utf-8")
    assert found["status"] == "FAILED"
    assert "not in utf-8" in found["error"]
    unknown = await start(member, "CONTACT", content, encoding="klingon")
    assert (unknown.code, unknown.error_field) == ("BAD_USER_INPUT", "encoding")
    bad = await start(member, "CONTACT", content, delimiter=";;")
    assert (bad.code, bad.error_field) == ("BAD_USER_INPUT", "delimiter")


async def test_empty_and_header_only_files(app: Starlette, member: GraphQLClient) -> None:
    empty = await imported(app, member, "CONTACT", b"")
    assert (empty["status"], empty["error"]) == ("FAILED", "The file is empty: no header line")
    header = await imported(app, member, "CONTACT", b"\xef\xbb\xbffirstName,lastName\r\n")
    assert (header["status"], header["total"], header["processed"]) == ("DONE", 0, 0)


async def test_a_broken_quote_and_a_huge_line_end_the_job_keeping_the_rows_before(
    app: Starlette, member: GraphQLClient
) -> None:
    broken = b'lastName,position\nLee,CEO\nRay,"never closed\nKim,CTO\n' + b"x" * 200_000
    found = await imported(app, member, "CONTACT", broken)
    assert found["status"] == "FAILED", found
    assert found["created"] == 1
    assert "Row 2" in found["error"]
    assert outcomes(found) == ["CREATED", "FAILED"]
    assert errors(found)[1][0][0] == "file"
    huge = b"lastName\n" + b"y" * 1_000_000 + b"\nLee\n"
    found = await imported(app, member, "CONTACT", huge)
    assert found["status"] == "FAILED" and "Row 1" in found["error"], found


async def test_a_file_that_is_not_a_workbook(app: Starlette, member: GraphQLClient) -> None:
    found = await imported(app, member, "CONTACT", b"PK\x03\x04 not really a zip")
    assert found["status"] == "FAILED" and "XLSX" in found["error"], found


async def test_a_file_past_the_limit_is_refused(app: Starlette, member: GraphQLClient) -> None:
    app.state.services.imports.max_bytes = 100
    answer = await start(member, "CONTACT", b"lastName\n" + b"a\n" * 100)
    assert (answer.code, answer.error_field) == ("BAD_USER_INPUT", "file")
    assert (await member.data("{ importJobs { totalCount } }"))["importJobs"]["totalCount"] == 0


async def test_an_explicit_mapping_must_name_writable_fields(member: GraphQLClient) -> None:
    for field, path in (("nope", "mapping.0.field"), ("createdAt", "mapping.0.field")):
        answer = await start(
            member, "CONTACT", b"a\n1\n", mapping=[{"column": "a", "field": field}]
        )
        assert (answer.code, answer.error_field) == ("BAD_USER_INPUT", path)


async def test_import_needs_the_import_right(
    app: Starlette, client: GraphQLClient, seed: Seed, session_factory: SessionFactory
) -> None:
    levels = every_action(AccessLevel.ALL)
    levels[(CrmEntity.CONTACT, AccessAction.IMPORT)] = AccessLevel.NONE
    await grant_role(session_factory, "No import", levels, user=seed.member)
    member = await logged_in(client, seed.member.email)
    answer = await start(member, "CONTACT", b"lastName\nLee\n")
    assert answer.code == "FORBIDDEN"
    assert (await member.data("{ importJobs { totalCount } }"))["importJobs"]["totalCount"] == 0
    job_id = await started(member, "LEAD", b"title\nA lead\n")
    # Someone else's job is not theirs to read.
    assert (await finish(app, member, job_id))["created"] == 1
    admin = await logged_in(client, seed.admin.email)
    assert (await admin.data(JOB, {"id": job_id, "outcome": None}))["importJob"] is not None
    assert (await admin.data("{ importJobs { totalCount } }"))["importJobs"]["totalCount"] == 1
    head = await logged_in(client, seed.head.email)
    assert (await head.data(JOB, {"id": job_id, "outcome": None}))["importJob"] is None
    assert (await head.data("{ importJobs { totalCount } }"))["importJobs"]["totalCount"] == 0


async def test_rows_are_created_as_the_importer_unless_a_responsible_is_given(
    app: Starlette, member: GraphQLClient, seed: Seed
) -> None:
    content = f"title,assignedTo\nMine,\nTheirs,{seed.admin.email}\nNobody's,ghost@nowhere\n"
    found = await imported(app, member, "LEAD", content.encode())
    assert outcomes(found) == ["CREATED", "CREATED", "FAILED"]
    assert errors(found)[2][0][0] == "assignedToId"
    leads = await member.data(
        "{ leads(first: 10) { edges { node { title assignedTo { email } } } } }"
    )
    owners = {e["node"]["title"]: e["node"]["assignedTo"]["email"] for e in leads["leads"]["edges"]}
    assert owners == {"Mine": seed.member.email, "Theirs": seed.admin.email}


@pytest.mark.parametrize(
    ("policy", "outcome", "contacts", "position"),
    [
        ("SKIP", "SKIPPED", 1, "Old"),
        ("UPDATE", "UPDATED", 1, "New"),
        ("CREATE", "CREATED", 2, "Old"),
    ],
)
async def test_duplicates_policies(
    app: Starlette, member: GraphQLClient, policy: str, outcome: str, contacts: int, position: str
) -> None:
    created = await member.data(
        CREATE_CONTACT_FULL,
        {
            "input": {
                "lastName": "Lee",
                "position": "Old",
                "communications": [
                    {"kind": "PHONE", "value": "+7 900 000 0001"},
                    {"kind": "EMAIL", "value": "lee@example.com"},
                ],
            }
        },
    )
    lee = created["createContact"]["id"]
    content = b"lastName,position,phones,emails\nLee,New,8 900 000 0001,other@example.com\n"
    found = await imported(app, member, "CONTACT", content, duplicates=policy)
    assert outcomes(found) == [outcome], found["rows"]
    record = found["rows"]["edges"][0]["node"]["recordId"]
    assert (record == lee) is (policy != "CREATE")
    data = (await member.data(CONTACTS))["contacts"]
    assert data["totalCount"] == contacts
    old = next(edge["node"] for edge in data["edges"] if edge["node"]["id"] == lee)
    assert old["position"] == position
    values = [item["value"] for item in old["communications"]]
    if policy == "UPDATE":
        assert values == ["+7 900 000 0001", "lee@example.com", "other@example.com"]
    else:
        assert values == ["+7 900 000 0001", "lee@example.com"]


async def test_an_xlsx_workbook_of_typed_cells_first_sheet_only(
    app: Starlette, member: GraphQLClient
) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Title", "Industry", "Revenue", "Employees", "Opened", "Emails"])
    sheet.append(["Acme", "Rockets", 1250.5, 42.0, True, "a@acme.test; b@acme.test"])
    sheet.append(["Bad revenue", None, "lots", 3, False, None])
    sheet.append([None, None, None, None, None, None])
    other = workbook.create_sheet("Ignored")
    other.append(["Title"])
    other.append(["Not imported"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    found = await imported(app, member, "COMPANY", buffer.getvalue(), filename="c.xlsx")
    assert (found["fileFormat"], found["status"], found["total"]) == ("XLSX", "DONE", 2), found
    assert outcomes(found) == ["CREATED", "FAILED"]
    assert errors(found)[1] == [("revenue", "'lots' is not a decimal value")]
    data = await member.data(
        "{ companies(first: 5) { edges { node { title industry revenue employees opened "
        "communications { value } } } } }"
    )
    [acme] = [edge["node"] for edge in data["companies"]["edges"]]
    assert acme == {
        "title": "Acme",
        "industry": "Rockets",
        "revenue": "1250.50",
        "employees": 42,
        "opened": True,
        "communications": [{"value": "a@acme.test"}, {"value": "b@acme.test"}],
    }


async def test_references_by_name_leads_and_deals(app: Starlette, member: GraphQLClient) -> None:
    await member.data('mutation { createCompany(input: {title: "Globex"}) { id } }')
    leads = "title,status,source\nA,In process,Web site\nB,No such status,\n"
    found = await imported(app, member, "LEAD", leads.encode())
    assert outcomes(found) == ["CREATED", "FAILED"], found["rows"]
    assert errors(found)[1][0][0] == "statusId"
    deals = "title,amount,currency,stage,company\nBig,1000,EUR,Proposal,Globex\nX,,,,Nobody\n"
    found = await imported(app, member, "DEAL", deals.encode())
    assert outcomes(found) == ["CREATED", "FAILED"], found["rows"]
    assert errors(found)[1][0][0] == "companyId"
    data = await member.data(
        "{ deals(first: 5) { edges { node { title amount currency stage { name } "
        "company { title } } } } leads(first: 5) { edges { node { title status { name } "
        "source { name } } } } }"
    )
    assert [edge["node"] for edge in data["deals"]["edges"]] == [
        {
            "title": "Big",
            "amount": "1000.00",
            "currency": "EUR",
            "stage": {"name": "Proposal"},
            "company": {"title": "Globex"},
        }
    ]
    assert [edge["node"] for edge in data["leads"]["edges"]] == [
        {"title": "A", "status": {"name": "In process"}, "source": {"name": "Web site"}}
    ]


async def test_a_file_not_sent_as_an_upload_is_refused(member: GraphQLClient) -> None:
    answer = await member.request(
        'mutation { startImport(entity: CONTACT, file: "lastName\\nLee") { id } }'
    )
    assert (answer.code, answer.error_field) == ("BAD_USER_INPUT", "file")
