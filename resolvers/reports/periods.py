"""Calendar periods of a timestamp in the client's time zone, and durations, in SQL.

PostgreSQL truncates in SQL (``date_trunc`` of the local time). SQLite has no time zone
database, so the embedded engine registers ``local_period_start`` as the SQL function
``crm_local_period`` (``crmhub/database.py``): both answer the ISO date on which the local
period starts, weeks starting on Monday.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import Float, SQLColumnExpression, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from resolvers.errors import BadInput

SQLITE_PERIOD_FUNCTION = "crm_local_period"


class Period(enum.Enum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def time_zone(name: str, field: str = "timeZone") -> str:
    """An IANA zone name both backends know, or BAD_USER_INPUT naming ``field``."""
    if name not in _zone_names():
        raise BadInput(f"Unknown time zone '{name[:64]}': use an IANA name", field=field)
    return name


def period_start(moment: datetime, period: Period, zone: str) -> date:
    """The local date on which the period holding ``moment`` starts."""
    day = moment.astimezone(ZoneInfo(zone)).date()
    if period is Period.WEEK:
        return day - timedelta(days=day.weekday())
    if period is Period.MONTH:
        return day.replace(day=1)
    if period is Period.QUARTER:
        return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
    if period is Period.YEAR:
        return day.replace(month=1, day=1)
    return day


def local_period_start(stored: str | None, period: str, zone: str) -> str | None:
    """SQLite's ``crm_local_period``: a stored UTC timestamp's period start, ISO."""
    if stored is None:
        return None
    moment = datetime.fromisoformat(stored).replace(tzinfo=UTC)
    return period_start(moment, Period(period), zone).isoformat()


class local_period(FunctionElement[str]):  # noqa: N801 (an SQL function)
    """``local_period(timestamp, period, zone)``: the ISO date the local period starts."""

    type = String()
    inherit_cache = True


class day_period(FunctionElement[str]):  # noqa: N801 (an SQL function)
    """``day_period(day, period)``: the ISO date the period holding a calendar day starts (a
    day has no time zone)."""

    type = String()
    inherit_cache = True


class seconds_between(FunctionElement[float]):  # noqa: N801 (an SQL function)
    """``seconds_between(start, end)``: the seconds from ``start`` to ``end``."""

    type = Float()
    inherit_cache = True


def period_of(
    column: SQLColumnExpression[Any], period: Period, zone: str
) -> SQLColumnExpression[str]:
    return local_period(column, period.value, zone)


@compiles(local_period, "postgresql")
def _local_period_postgresql(element: local_period, compiler: SQLCompiler, **kw: Any) -> str:
    column, period, zone = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"to_char(date_trunc({period}, ({column}) AT TIME ZONE {zone}), 'YYYY-MM-DD')"


@compiles(local_period, "sqlite")
def _local_period_sqlite(element: local_period, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{SQLITE_PERIOD_FUNCTION}({compiler.process(element.clauses, **kw)})"


@compiles(day_period, "postgresql")
def _day_period_postgresql(element: day_period, compiler: SQLCompiler, **kw: Any) -> str:
    day, period = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"to_char(date_trunc({period}, CAST({day} AS TIMESTAMP)), 'YYYY-MM-DD')"


@compiles(day_period, "sqlite")
def _day_period_sqlite(element: day_period, compiler: SQLCompiler, **kw: Any) -> str:
    # A stored day reads as midnight: in UTC its period is the day's.
    day, period = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"{SQLITE_PERIOD_FUNCTION}({day}, {period}, 'UTC')"


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"EXTRACT(EPOCH FROM ({end}) - ({start}))"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"
