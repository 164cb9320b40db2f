"""How exports are served: formats, link lifetime, chunk size (no imports of ours, so that
the request context may carry it)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import timedelta

DEFAULT_LINK_TTL = timedelta(minutes=10)
DEFAULT_CHUNK_ROWS = 500


class ExportFormat(enum.Enum):
    CSV = "CSV"
    XLSX = "XLSX"
    VCARD = "VCARD"


@dataclass(frozen=True)
class ExportConfig:
    """Export links' lifetime, the rows read per statement, and where links point."""

    link_ttl: timedelta = DEFAULT_LINK_TTL
    chunk_rows: int = DEFAULT_CHUNK_ROWS
    public_base_url: str = "http://127.0.0.1:8000"
