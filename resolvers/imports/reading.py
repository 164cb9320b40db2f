"""Reading an uploaded file: CSV (encoding and delimiter detected, unless given) or XLSX
(its first sheet), as a header and then rows of text cells, with bounded memory.

The file is spooled from its database chunks to a temporary file (in memory up to 1 MiB),
then read as a stream: a row is never more than the upload limit, and a field past
``MAX_FIELD`` characters (a huge line, or a quote that never closes and swallows the rest of
the file) is an error of that row, which ends the reading (what follows cannot be trusted).
"""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, Any

DELIMITERS = ",;\t|"
SAMPLE_CHARS = 64 * 1024
MAX_FIELD = 128 * 1024
MAX_COLUMNS = 500
DETECT_BLOCK = 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"


class UnreadableFile(Exception):
    """The file as a whole cannot be read (not CSV or XLSX, not in its encoding)."""


@dataclass(frozen=True)
class Layout:
    """How the file is read: its format, and for CSV its encoding and delimiter."""

    file_format: str
    encoding: str | None = None
    delimiter: str | None = None


def check_encoding(name: str) -> str:
    """The codec's canonical name; LookupError for an unknown one."""
    return codecs.lookup(name).name


def detect_layout(
    spool: IO[bytes], encoding: str | None = None, delimiter: str | None = None
) -> Layout:
    """The format (XLSX by its zip signature, CSV otherwise), the encoding (strict UTF-8 if
    the whole file decodes so, else Windows-1251; ``encoding`` wins, but must decode the file)
    and the delimiter (``delimiter``, or sniffed on a sample among ``, ; tab |``)."""
    spool.seek(0)
    start = spool.read(4)
    spool.seek(0)
    if start == ZIP_MAGIC:
        return Layout("XLSX")
    if encoding is not None:
        chosen = "utf-8-sig" if check_encoding(encoding) == "utf-8" else encoding
        _decodes(spool, chosen, given=True)
    else:
        chosen = "utf-8-sig" if _decodes(spool, "utf-8-sig", given=False) else "cp1251"
    if delimiter is None:
        spool.seek(0)
        decoder = codecs.getincrementaldecoder(chosen)("replace")
        delimiter = sniff_delimiter(decoder.decode(spool.read(SAMPLE_CHARS)))
    spool.seek(0)
    return Layout("CSV", "utf-8" if chosen == "utf-8-sig" else chosen, delimiter)


def _decodes(spool: IO[bytes], encoding: str, *, given: bool) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0
    spool.seek(0)
    try:
        while block := spool.read(DETECT_BLOCK):
            decoder.decode(block)
            offset += len(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        if not given:
            return False
        raise UnreadableFile(
            f"The file is not in {encoding}: byte {offset + error.start + 1} cannot be decoded "
            "(give another encoding, or none to detect it)"
        ) from error
    finally:
        spool.seek(0)
    return True


def sniff_delimiter(sample: str) -> str:
    """The delimiter csv.Sniffer finds in ``sample``; failing that, the candidate the header
    line holds most of; a comma when it holds none."""
    lines = sample.splitlines()
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        # The last line may be cut short by the sample: leave it out.
        sample = "\n".join(lines[:-1])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = lines[0] if lines else ""
        counts = {candidate: header.count(candidate) for candidate in DELIMITERS}
        best = max(counts, key=lambda candidate: counts[candidate])
        return best if counts[best] else ","


def _text(spool: IO[bytes], encoding: str) -> io.TextIOWrapper:
    codec = "utf-8-sig" if encoding in ("utf-8", "utf-8-sig") else encoding
    return io.TextIOWrapper(spool, encoding=codec, errors="strict", newline="")


class RowError(Exception):
    """A row that cannot be read; reading stops there."""


def read_rows(spool: IO[bytes], layout: Layout) -> Iterator[list[str]]:
    """The file's rows, header first, every cell text; RowError where one cannot be read."""
    spool.seek(0)
    if layout.file_format == "XLSX":
        yield from _xlsx_rows(spool)
        return
    assert layout.encoding is not None and layout.delimiter is not None
    text = _text(spool, layout.encoding)
    reader = csv.reader(text, delimiter=layout.delimiter, strict=False)
    try:
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise RowError(f"{error} (an unclosed quote, or a line too long)") from error
            except UnicodeDecodeError as error:
                raise RowError(f"Cannot decode the row: {error}") from error
            if len(row) > MAX_COLUMNS:
                raise RowError(f"More than {MAX_COLUMNS} columns")
            yield row
    finally:
        # The spool is the caller's: the wrapper must not close it when collected.
        text.detach()


def _xlsx_rows(spool: IO[bytes]) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(spool, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise UnreadableFile(f"Not a readable XLSX workbook: {error}") from error
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            return
        for values in sheet.iter_rows(values_only=True):
            if len(values) > MAX_COLUMNS:
                raise RowError(f"More than {MAX_COLUMNS} columns")
            cells = [_cell_text(value) for value in values]
            if any(len(cell) > MAX_FIELD for cell in cells):
                raise RowError(f"A cell longer than {MAX_FIELD} characters")
            yield cells
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def spooled(chunks: Sequence[bytes] | Iterator[bytes]) -> IO[bytes]:
    """A temporary file of ``chunks`` (in memory up to 1 MiB), at its start."""
    spool = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115 (closed by the caller)
    for chunk in chunks:
        spool.write(chunk)
    spool.seek(0)
    return spool
