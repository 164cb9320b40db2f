"""Exports through the public API: a link from ``exportX``, the file from a GET on it.

The oracle is the list: for the same viewer, filter and order, the file's rows are what the
``contacts`` / ``deals`` list answers, hidden values empty. Chunks are 5 rows here, so that
every export of more than 5 records is read in several statements.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from starlette.applications import Starlette

from crmhub.settings import Settings
from models import SessionFactory
from models.crm import CrmEntity
from resolvers.crm.export_config import ExportFormat
from resolvers.crm.export_links import ExportParams, sign
from resolvers.crm.filtering import Filter
from schema.relay import encode_id
from tests.access.test_rule_scopes_api import SET_FIELD_RULE, SET_RULE, make_intern
from tests.client import GraphQLClient
from tests.conftest import TEST_SECRET, logged_in
from tests.crm.custom_api import CREATE_DEAL, create_field, value
from tests.crm.export_files import csv_rows, download, export_link, xlsx_rows
from tests.crm.factories import crm_records, dictionaries
from tests.factories import Seed
from tests.statements import count_statements

CHUNK = 5
CONTACT_COLUMNS = [
    "id",
    "firstName",
    "lastName",
    "position",
    "assignedTo",
    "phones",
    "companies",
]
CONTACTS = """
query($f: ContactFilter, $o: [ContactOrder!]) {
  contacts(first: 100, filter: $f, orderBy: $o) {
    edges { node { id firstName lastName position assignedTo { name }
                   communications { kind value } companies { title } } }
  }
}"""
DEALS = """
query($f: DealFilter, $o: [DealOrder!]) {
  deals(first: 100, filter: $f, orderBy: $o) {
    edges { node { id title amount currency stage { name } company { title }
                   contacts { name } customField(code: "UF_CHANNEL") { values { string } } } }
  }
}"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"export_chunk_rows": CHUNK})


def _text(value: Any) -> str:
    """A value as a file shows it: formula-like text behind a quote (phones start with +)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and text else text


def _contact_row(node: dict[str, Any]) -> list[str]:
    phones = [item["value"] for item in node["communications"] if item["kind"] == "PHONE"]
    return [
        node["id"],
        _text(node["firstName"]),
        _text(node["lastName"]),
        _text(node["position"]),
        _text((node["assignedTo"] or {}).get("name")),
        _text("; ".join(phones)),
        _text("; ".join(company["title"] for company in node["companies"])),
    ]


async def test_a_contacts_export_is_the_list_for_the_same_filter_and_order(
    member: GraphQLClient, session_factory: SessionFactory, seed: Seed
) -> None:
    await crm_records(session_factory, seed, 13)
    variables = {
        "f": {"lastName": {"startsWith": "0"}, "not": {"lastName": {"eq": "004"}}},
        "o": [{"field": "LAST_NAME", "direction": "DESC"}],
    }
    listed = await member.data(CONTACTS, variables)
    expected = [_contact_row(edge["node"]) for edge in listed["contacts"]["edges"]]
    assert len(expected) == 12 > CHUNK
    for format, read in (("CSV", csv_rows), ("XLSX", xlsx_rows)):
        link = await export_link(
            member,
            "Contacts",
            "ContactFilter",
            "ContactOrder",
            format=format,
            columns=CONTACT_COLUMNS,
            filter=variables["f"],
            order=variables["o"],
        )
        assert link["columns"] == CONTACT_COLUMNS
        answer = await download(member, link["url"])
        assert answer.status_code == 200, answer.text
        assert "attachment" in answer.headers["content-disposition"]
        rows = read(answer.content)
        assert rows[0] == CONTACT_COLUMNS
        assert rows[1:] == expected, format


async def test_a_deals_export_matches_the_list_custom_fields_included(
    member: GraphQLClient, admin: GraphQLClient, session_factory: SessionFactory, seed: Seed
) -> None:
    await crm_records(session_factory, seed, 7)
    await create_field(
        admin,
        entity="DEAL",
        code="UF_CHANNEL",
        name="Channel",
        kind="ENUMERATION",
        options=["Web", "Phone"],
    )
    for title, channel in (("Web deal", "Web"), ("Phone deal", "Phone")):
        await member.data(
            CREATE_DEAL,
            {"input": {"title": title, "customFields": [value("UF_CHANNEL", string=channel)]}},
        )
    columns = ["title", "amount", "currency", "stage", "company", "contacts", "UF_CHANNEL"]
    order = [{"field": "TITLE"}]
    link = await export_link(
        member, "Deals", "DealFilter", "DealOrder", format="CSV", columns=columns, order=order
    )
    rows = csv_rows((await download(member, link["url"])).content)
    listed = await member.data(DEALS, {"o": order})
    expected = [
        [
            node["title"],
            _text(node["amount"]),
            _text(node["currency"]),
            node["stage"]["name"],
            _text((node["company"] or {}).get("title")),
            "; ".join(contact["name"] for contact in node["contacts"]),
            "; ".join(item["string"] for item in node["customField"]["values"])
            if node["customField"]
            else "",
        ]
        for node in (edge["node"] for edge in listed["deals"]["edges"])
    ]
    assert len(expected) == 9
    assert rows == [columns, *expected]
    assert [row[0] for row in rows[1:] if row[6] == "Web"] == ["Web deal"]


async def test_every_column_by_default_and_unknown_columns_named(
    member: GraphQLClient, session_factory: SessionFactory, seed: Seed
) -> None:
    await crm_records(session_factory, seed, 2)
    link = await export_link(member, "Deals", "DealFilter", "DealOrder", format="CSV")
    assert {"id", "title", "amount", "stage", "assignedTo", "company", "contacts"} <= set(
        link["columns"]
    )
    rows = csv_rows((await download(member, link["url"])).content)
    assert rows[0] == link["columns"] and len(rows) == 3
    answer = await member.request(
        'mutation { exportDeals(format: CSV, columns: ["title", "nope", "amout"]) { url } }'
    )
    assert answer.code == "BAD_USER_INPUT" and answer.error_field == "columns"
    assert "nope" in answer.errors[0]["message"] and "amout" in answer.errors[0]["message"]
    vcard_of_deals = await member.request("mutation { exportDeals(format: VCARD) { url } }")
    assert vcard_of_deals.code == "BAD_USER_INPUT" and vcard_of_deals.error_field == "format"


async def test_the_export_right_is_required(
    admin: GraphQLClient, client: GraphQLClient, seed: Seed, session_factory: SessionFactory
) -> None:
    """The intern reads his deals but may export nothing until a role grants EXPORT; and
    when it is taken back, links he holds stop working."""
    await crm_records(session_factory, seed, 3)
    role = await make_intern(admin, seed)
    intern = await logged_in(client, seed.member.email)
    refused = await intern.request("mutation { exportDeals(format: CSV) { url } }")
    assert refused.code == "FORBIDDEN"
    export = {"role": role, "entity": "DEAL", "action": "EXPORT", "level": "OWN"}
    assert not (await admin.request(SET_RULE, export)).errors
    link = await export_link(intern, "Deals", "DealFilter", "DealOrder", format="CSV")
    assert (await download(intern, link["url"])).status_code == 200
    assert not (await admin.request(SET_RULE, export | {"level": "NONE"})).errors
    gone = await download(intern, link["url"])
    assert gone.status_code == 403
    assert gone.json()["error"]["code"] == "FORBIDDEN"


async def test_the_intern_gets_his_deals_without_amounts_and_blank_where_a_status_hides(
    admin: GraphQLClient, client: GraphQLClient, seed: Seed, session_factory: SessionFactory
) -> None:
    """Amounts are hidden from the intern everywhere: no such column. The currency is hidden
    in one stage only: that column stays, empty on the deals in that stage."""
    await crm_records(session_factory, seed, 16)  # the member is responsible for 5
    stage_ids = (await dictionaries(session_factory)).stage_ids
    role = await make_intern(admin, seed)
    export = {"role": role, "entity": "DEAL", "action": "EXPORT", "level": "OWN"}
    assert not (await admin.request(SET_RULE, export)).errors
    hide = {"role": role, "entity": "DEAL", "field": "currency", "rule": "HIDDEN"}
    await admin.data(SET_FIELD_RULE, hide | {"status": encode_id("DealStage", stage_ids[2])})
    intern = await logged_in(client, seed.member.email)
    columns = ["title", "amount", "currency", "stage", "company", "contacts"]
    link = await export_link(
        intern,
        "Deals",
        "DealFilter",
        "DealOrder",
        format="CSV",
        columns=columns,
        order=[{"field": "TITLE"}],
    )
    assert link["columns"] == ["title", "currency", "stage", "company", "contacts"]
    rows = csv_rows((await download(intern, link["url"])).content)
    listed = await intern.data(DEALS, {"o": [{"field": "TITLE"}]})
    nodes = [edge["node"] for edge in listed["deals"]["edges"]]
    assert len(nodes) == 5 and all(node["amount"] is None for node in nodes)
    expected = [
        [
            node["title"],
            _text(node["currency"]),
            node["stage"]["name"],
            _text((node["company"] or {}).get("title")),
            "; ".join(contact["name"] for contact in node["contacts"]),
        ]
        for node in nodes
    ]
    # He reads no company and no contact: those cells are empty, as the list's are null.
    assert all(row[3] == row[4] == "" for row in expected)
    assert rows == [link["columns"], *expected]
    blanks = [row for row in expected if row[1] == ""]
    assert blanks and len(blanks) < len(expected)
    # Filtering on the hidden amount would tell it: refused, as the list refuses it.
    by_amount = await intern.request(
        'mutation { exportDeals(format: CSV, filter: { amount: { gt: "1" } }) { url } }'
    )
    assert by_amount.code == "FORBIDDEN" and by_amount.error_field == "filter.amount"


async def test_expired_tampered_and_ended_links_answer_403(
    member: GraphQLClient, session_factory: SessionFactory, seed: Seed
) -> None:
    await crm_records(session_factory, seed, 2)
    link = await export_link(member, "Deals", "DealFilter", "DealOrder", format="CSV")
    token = urlsplit(link["url"]).path.removeprefix("/exports/")
    body, mac = token.split(".")
    altered = ("A" if body[5] != "A" else "B").join((body[:5], body[6:]))
    for path in (f"/exports/{altered}.{mac}", f"/exports/{body}.{mac[:-2]}", "/exports/junk"):
        answer = await member.http.get(path)
        assert answer.status_code == 403, path
        assert answer.json()["error"]["code"] == "FORBIDDEN"
        assert "traceback" not in answer.text.lower()
    who = (await member.data("{ viewer { id } }"))["viewer"]["id"]
    expired = ExportParams(
        entity=CrmEntity.DEAL,
        format=ExportFormat.CSV,
        columns=(),
        filter=Filter(),
        order=(),
        user_id=seed.member.id,
        token_id=1,
        expires=datetime.now(UTC) - timedelta(seconds=1),
    )
    answer = await member.http.get(f"/exports/{sign(expired, TEST_SECRET.encode())}")
    assert answer.status_code == 403 and "expired" in answer.json()["error"]["message"]
    assert who
    # The link acts within the session that asked for it: logging out ends it.
    assert (await download(member, link["url"])).status_code == 200
    await member.data("mutation { logout }")
    ended = await download(member, link["url"])
    assert ended.status_code == 403 and "session" in ended.json()["error"]["message"]


async def test_rows_are_read_a_chunk_at_a_time(
    member: GraphQLClient, session_factory: SessionFactory, seed: Seed, app: Starlette
) -> None:
    """23 deals in chunks of 5: five keyset statements on the deals table, each asking for
    one row more than a chunk (to know whether another follows), none for all rows."""
    await crm_records(session_factory, seed, 23)
    link = await export_link(
        member, "Deals", "DealFilter", "DealOrder", format="CSV", columns=["title"]
    )
    with count_statements(app.state.engine) as log:
        rows = csv_rows((await download(member, link["url"])).content)
    assert len(rows) == 1 + 23
    pages = [
        (statement, parameters)
        for statement, parameters in zip(log.statements, log.parameters, strict=True)
        if "FROM crm_deals" in statement and "LIMIT" in statement
    ]
    assert len(pages) == math.ceil(23 / CHUNK)
    for _statement, parameters in pages:
        values = parameters.values() if isinstance(parameters, dict) else parameters
        assert CHUNK + 1 in list(values)


LISTS = {
    "Leads": ("leads", "LeadFilter", "LeadOrder"),
    "Contacts": ("contacts", "ContactFilter", "ContactOrder"),
    "Companies": ("companies", "CompanyFilter", "CompanyOrder"),
    "Deals": ("deals", "DealFilter", "DealOrder"),
}


@pytest.mark.parametrize("entity", list(LISTS))
async def test_every_entity_exports_every_column(
    member: GraphQLClient, session_factory: SessionFactory, seed: Seed, entity: str
) -> None:
    await crm_records(session_factory, seed, 7)
    field, filter_type, order_type = LISTS[entity]
    listed = await member.data(
        f"{{ {field}(first: 100) {{ totalCount edges {{ node {{ id }} }} }} }}"
    )
    link = await export_link(member, entity, filter_type, order_type, format="CSV")
    assert "id" in link["columns"] and "assignedTo" in link["columns"]
    answer = await download(member, link["url"])
    assert f'filename="{field}-' in answer.headers["content-disposition"]
    rows = csv_rows(answer.content)
    assert rows[0] == link["columns"]
    ids = [row[rows[0].index("id")] for row in rows[1:]]
    assert ids == [edge["node"]["id"] for edge in listed[field]["edges"]]
    assert len(ids) == listed[field]["totalCount"] == 7
    assert all(row[rows[0].index("assignedTo")] for row in rows[1:])
