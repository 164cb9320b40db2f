"""Export files, written as the rows come: CSV (UTF-8 with a BOM, RFC 4180), XLSX (XlsxWriter
in constant-memory mode, into a temporary file streamed once complete) and vCard 3.0.

Every text cell that a spreadsheet would take for a formula (starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) is prefixed with a single quote (OWASP's CSV
injection advice), in CSV and XLSX alike.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import tempfile
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter

from resolvers.crm.export_columns import Cell, Row

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MULTI_SEPARATOR = "; "
FILE_BLOCK = 64 * 1024
VCARD_LINE_OCTETS = 75
# Excel's rows per sheet.
XLSX_MAX_ROWS = 1_048_576
Chunks = AsyncIterator[list[Row]]


def neutralised(text: str) -> str:
    """``text`` as a spreadsheet shows it, never as a formula it would run."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def flat(cell: Cell) -> str:
    """A cell as one text: several values joined by ``; ``, nothing as empty."""
    if cell is None:
        return ""
    return MULTI_SEPARATOR.join(cell) if isinstance(cell, list) else cell


async def csv_file(header: Sequence[str], chunks: Chunks) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralised(name) for name in header])
    yield "\ufeff".encode() + buffer.getvalue().encode()
    async for rows in chunks:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([neutralised(flat(cell)) for cell in row] for row in rows)
        yield buffer.getvalue().encode()


async def xlsx_file(header: Sequence[str], chunks: Chunks) -> AsyncIterator[bytes]:
    """XlsxWriter keeps one row in memory (constant_memory) and the rest in temporary files;
    the zip it makes of them is streamed once closed. Its work runs off the event loop. A
    sheet holds at most ``XLSX_MAX_ROWS`` rows, header included: the rows past it go on to
    another sheet (``Export 2``, …) that starts with the header again."""
    handle, name = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    path = Path(name)
    try:
        sheets = _Sheets(path, header)
        async for rows in chunks:
            await asyncio.to_thread(sheets.write, rows)
        await asyncio.to_thread(sheets.workbook.close)
        written = await asyncio.to_thread(path.open, "rb")
        try:
            while block := await asyncio.to_thread(written.read, FILE_BLOCK):
                yield block
        finally:
            await asyncio.to_thread(written.close)
    finally:
        await asyncio.to_thread(path.unlink, missing_ok=True)


class _Sheets:
    def __init__(self, path: Path, header: Sequence[str]) -> None:
        self.workbook = xlsxwriter.Workbook(
            str(path), {"constant_memory": True, "strings_to_numbers": False, "in_memory": False}
        )
        self.bold = self.workbook.add_format({"bold": True})
        self.header = [neutralised(name) for name in header]
        self.count = 0
        self.line = 0
        self.sheet: Any = None
        self._next_sheet()

    def write(self, rows: list[Row]) -> None:
        for row in rows:
            if self.line >= XLSX_MAX_ROWS:
                self._next_sheet()
            for column, cell in enumerate(row):
                text = flat(cell)
                if text:
                    self.sheet.write_string(self.line, column, neutralised(text))
            self.line += 1

    def _next_sheet(self) -> None:
        self.count += 1
        self.sheet = self.workbook.add_worksheet(
            "Export" if self.count == 1 else f"Export {self.count}"
        )
        for column, name in enumerate(self.header):
            self.sheet.write_string(0, column, name, self.bold)
        self.line = 1


async def vcard_file(header: Sequence[str], chunks: Chunks) -> AsyncIterator[bytes]:
    """One vCard 3.0 per contact, of the columns ``exports.VCARD_COLUMNS`` (those of them
    the viewer may read); a hidden value leaves its property out."""
    async for rows in chunks:
        yield "".join(vcard(dict(zip(header, row, strict=True))) for row in rows).encode()


def vcard(values: dict[str, Cell]) -> str:
    first, last = flat(values.get("firstName")), flat(values.get("lastName"))
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"N:{_escaped(last)};{_escaped(first)};;;",
        f"FN:{_escaped(' '.join(part for part in (first, last) if part))}",
    ]
    companies = values.get("companies")
    if isinstance(companies, list) and companies:
        lines.append(f"ORG:{_escaped(companies[0])}")
    position = flat(values.get("position"))
    if position:
        lines.append(f"TITLE:{_escaped(position)}")
    for phone in _many(values.get("phones")):
        lines.append(f"TEL;TYPE=VOICE:{_escaped(phone)}")
    for email in _many(values.get("emails")):
        lines.append(f"EMAIL;TYPE=INTERNET:{_escaped(email)}")
    lines.append("END:VCARD")
    return "".join(folded(line) + "\r\n" for line in lines)


def _many(cell: Cell) -> list[str]:
    if cell is None:
        return []
    return cell if isinstance(cell, list) else [cell]


def _escaped(text: str) -> str:
    """RFC 2426 text: backslash, comma, semicolon escaped, line breaks as ``\\n``."""
    text = text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def folded(line: str) -> str:
    """A content line folded (RFC 2425 5.8.1) at 75 octets, never inside a UTF-8 character:
    each continuation starts with a space."""
    parts: list[str] = []
    current, size = "", 0
    limit = VCARD_LINE_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            parts.append(current)
            # A continuation's leading space counts towards its 75 octets.
            current, size, limit = char, width, VCARD_LINE_OCTETS - 1
        else:
            current += char
            size += width
    parts.append(current)
    return "\r\n ".join(parts)


WRITERS = {"CSV": csv_file, "XLSX": xlsx_file, "VCARD": vcard_file}
MEDIA_TYPES = {
    "CSV": "text/csv; charset=utf-8",
    "XLSX": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "VCARD": "text/vcard; charset=utf-8",
}
EXTENSIONS = {"CSV": "csv", "XLSX": "xlsx", "VCARD": "vcf"}
