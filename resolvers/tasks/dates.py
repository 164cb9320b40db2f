"""Deadlines come from clients: they must name their zone and fit the database."""

from __future__ import annotations

from datetime import UTC, datetime

from resolvers.errors import BadInput


def aware_utc(value: datetime | None, field: str) -> datetime | None:
    """The moment in UTC; refused without a zone or when UTC would leave years 1-9999."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise BadInput(f"'{field}' needs a time zone (e.g. 2026-12-01T18:00:00Z)", field=field)
    try:
        return value.astimezone(UTC)
    except OverflowError as error:
        raise BadInput(f"'{field}' is out of range", field=field) from error
