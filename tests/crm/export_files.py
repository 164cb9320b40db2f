"""Reading export files back in tests: CSV, XLSX (its sheet XML, without a spreadsheet
library) and vCard, and asking for an export through the public API."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

import httpx

from tests.client import GraphQLClient

EXPORT = """
mutation($format: ExportFormat!, $columns: [String!], $search: String) {
  export%s(format: $format, columns: $columns, search: $search%s) { url expiresAt columns format }
}"""


def export_document(
    entity: str, filter_type: str | None = None, order_type: str | None = None
) -> str:
    """The export mutation of ``entity`` (``Deals``), with ``$filter`` and ``$order``."""
    document = EXPORT % (entity, ", filter: $filter, orderBy: $order" if filter_type else "")
    if filter_type:
        document = document.replace(
            "$search: String)", f"$search: String, $filter: {filter_type}, $order: [{order_type}!])"
        )
    return document


async def export_link(
    client: GraphQLClient, entity: str, filter_type: str, order_type: str, **variables: Any
) -> dict[str, Any]:
    data = await client.data(export_document(entity, filter_type, order_type), variables)
    link: dict[str, Any] = data[f"export{entity}"]
    return link


async def download(client: GraphQLClient, url: str) -> httpx.Response:
    """GET a link as a browser would: no Authorization header."""
    path = urlsplit(url).path
    return await client.http.get(path)


def csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), body[:10]
    text = body[3:].decode()
    assert text == "" or text.endswith("\r\n")
    return list(csv.reader(io.StringIO(text, newline="")))


_NS = {"s": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def xlsx_rows(body: bytes) -> list[list[str]]:
    """The first sheet's cells as text, shared or inline strings alike, gaps as ''."""
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        names = archive.namelist()
        shared: list[str] = []
        if "xl/sharedStrings.xml" in names:
            root = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter(f"{{{_NS['s']}}}t")) for si in root]
        sheet = ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))
    rows: list[list[str]] = []
    for row in sheet.iter(f"{{{_NS['s']}}}row"):
        cells: dict[int, str] = {}
        for cell in row.findall("s:c", _NS):
            column = _column_index(cell.get("r", "A1"))
            if cell.get("t") == "s":
                value = cell.find("s:v", _NS)
                cells[column] = shared[int(value.text or 0)] if value is not None else ""
            else:
                cells[column] = "".join(t.text or "" for t in cell.iter(f"{{{_NS['s']}}}t"))
        width = max(cells, default=-1) + 1
        rows.append([cells.get(index, "") for index in range(width)])
    return rows


def _column_index(reference: str) -> int:
    letters = re.match(r"[A-Z]+", reference)
    assert letters is not None
    index = 0
    for letter in letters.group():
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def vcards(body: bytes) -> list[dict[str, list[str]]]:
    """Each card's properties (name with parameters → values), lines unfolded."""
    text = body.decode()
    for line in text.split("\r\n"):
        assert len(line.encode()) <= 75, line
    unfolded = text.replace("\r\n ", "")
    cards: list[dict[str, list[str]]] = []
    for line in unfolded.split("\r\n"):
        if not line:
            continue
        name, _, value = line.partition(":")
        if name == "BEGIN":
            cards.append({})
        cards[-1].setdefault(name, []).append(value)
    return cards
