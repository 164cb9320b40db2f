"""Export files through the public API: formula cells neutralised in CSV and XLSX, vCards
of contacts (escaping, folding), and the guard itself."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator

import pytest

from models import SessionFactory
from resolvers.crm import export_formats
from resolvers.crm.export_columns import Cell
from resolvers.crm.export_formats import neutralised
from tests.client import GraphQLClient
from tests.crm.api import CREATE_CONTACT
from tests.crm.export_files import csv_rows, download, export_link, vcards, xlsx_rows
from tests.crm.factories import crm_records
from tests.factories import Seed


async def test_formula_cells_are_neutralised_in_csv_and_xlsx(member: GraphQLClient) -> None:
    # Names are stripped when saved: a leading tab or CR cannot reach a file through them
    # (test_formula_starts covers those).
    hostile = ['=HYPERLINK("http://x")', "+1+2", "-3", "@SUM(A1)", "=1\t+2"]
    for index, text in enumerate(hostile):
        await member.data(CREATE_CONTACT, {"input": {"firstName": f"{index}", "lastName": text}})
    await member.data(CREATE_CONTACT, {"input": {"firstName": "9", "lastName": 'Plain, "quoted"'}})
    order = [{"field": "FIRST_NAME"}]
    for format, read in (("CSV", csv_rows), ("XLSX", xlsx_rows)):
        link = await export_link(
            member,
            "Contacts",
            "ContactFilter",
            "ContactOrder",
            format=format,
            columns=["firstName", "lastName"],
            order=order,
        )
        rows = read((await download(member, link["url"])).content)
        assert [row[1] for row in rows[1:]] == [
            *("'" + text for text in hostile),
            'Plain, "quoted"',
        ], format


async def test_vcards_of_contacts(
    member: GraphQLClient, session_factory: SessionFactory, seed: Seed
) -> None:
    await crm_records(session_factory, seed, 3)
    long_position = "Руководитель отдела продаж, Северо-Западный федеральный округ; филиал №7"
    await member.data(
        CREATE_CONTACT,
        {
            "input": {
                "firstName": "Jean",
                "lastName": "Smith, Jr; III",
                "position": long_position,
                "communications": [
                    {"kind": "EMAIL", "value": "jean@example.com"},
                    {"kind": "PHONE", "value": "+33 1 23 45 67 89"},
                ],
            }
        },
    )
    link = await export_link(
        member,
        "Contacts",
        "ContactFilter",
        "ContactOrder",
        format="VCARD",
        order=[{"field": "LAST_NAME"}],
    )
    answer = await download(member, link["url"])
    assert answer.headers["content-type"].startswith("text/vcard")
    cards = vcards(answer.content)
    assert len(cards) == 4
    assert all(card["VERSION"] == ["3.0"] and card["END"] == ["VCARD"] for card in cards)
    assert [card["N"][0] for card in cards[:3]] == [
        "000;Person;;;",
        "001;Person;;;",
        "002;Person;;;",
    ]
    assert cards[0]["ORG"] == ["Company 000"]
    assert cards[0]["TEL;TYPE=VOICE"] == ["+7 900 000 0000"]
    jean = cards[3]
    assert jean["N"] == ["Smith\\, Jr\\; III;Jean;;;"]
    assert jean["FN"] == ["Jean Smith\\, Jr\\; III"]
    assert jean["TITLE"] == [long_position.replace(",", "\\,").replace(";", "\\;")]
    assert jean["EMAIL;TYPE=INTERNET"] == ["jean@example.com"]
    assert "ORG" not in jean
    columns = await member.request(
        'mutation { exportContacts(format: VCARD, columns: ["firstName"]) { url } }'
    )
    assert columns.code == "BAD_USER_INPUT" and columns.error_field == "columns"


def test_formula_starts() -> None:
    assert [neutralised(text) for text in ("\tx", "\rx", "=x", "+x", "-x", "@x")] == [
        "'\tx",
        "'\rx",
        "'=x",
        "'+x",
        "'-x",
        "'@x",
    ]
    assert [neutralised(text) for text in ("x=1", " =1", "", "'=")] == ["x=1", " =1", "", "'="]


async def test_xlsx_rows_past_a_sheets_limit_go_on_to_another_sheet(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(export_formats, "XLSX_MAX_ROWS", 4)

    async def chunks() -> AsyncIterator[list[list[Cell]]]:
        yield [[f"row {i}", "=1"] for i in range(5)]
        yield [["row 5", None], ["row 6", ["a", "b"]]]

    body = b"".join([block async for block in export_formats.xlsx_file(["name", "x"], chunks())])
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        sheets = sorted(name for name in archive.namelist() if name.startswith("xl/worksheets/"))
    assert sheets == [
        "xl/worksheets/sheet1.xml",
        "xl/worksheets/sheet2.xml",
        "xl/worksheets/sheet3.xml",
    ]
    assert xlsx_rows(body) == [["name", "x"], *([f"row {i}", "'=1"] for i in range(3))]
    empty = b"".join([block async for block in export_formats.xlsx_file(["name"], _none())])
    assert xlsx_rows(empty) == [["name"]]


async def _none() -> AsyncIterator[list[list[Cell]]]:
    return
    yield
