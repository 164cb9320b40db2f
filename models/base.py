"""Declarative base, naming convention and the column kinds every aggregate repeats."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, Table, TypeDecorator, event, func
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncAttrs
from sqlalchemy.orm import DeclarativeBase, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC, also on SQLite (which stores no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        # TypeDecorator does not pass this through; keyset cursors need it to decode values.
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets a bigint identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")

IntPk = Annotated[int, mapped_column(BigId, primary_key=True, autoincrement=True)]
CreatedAt = Annotated[
    datetime, mapped_column(UtcDateTime(), default=utcnow, server_default=func.now())
]
UpdatedAt = Annotated[
    datetime,
    mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow, server_default=func.now()),
]


class Base(AsyncAttrs, DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


@event.listens_for(Table, "after_parent_attach")
def _ids_never_reused(table: Table, parent: object) -> None:
    """On SQLite, an integer primary key without AUTOINCREMENT hands out the id of the last
    row again once it is deleted: events, notifications and links that named the deleted
    row would then name the new one. AUTOINCREMENT never reuses an id (PostgreSQL's
    identity columns never do either). SQLite applies it to single-column integer keys only.
    """
    if parent is Base.metadata:
        table.dialect_kwargs["sqlite_autoincrement"] = True


# Marks the statements of the process's background work (the event pump, automation rules,
# the webhook sender, the overdue scan), which belong to no request: statement counters and
# the bench's gates leave them out.
BACKGROUND_OPTION = "crmhub_background"
BACKGROUND = {BACKGROUND_OPTION: True}
