"""Custom fields: definitions an administrator adds to leads, contacts, companies and deals at
run time, and their values, one row per value in typed columns.

Values live in their own table keyed by (field, record) rather than in a JSON column so that a
filter or an order on a custom field is an indexed lookup on PostgreSQL: each typed column is
indexed together with the field it belongs to.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, CreatedAt, IntPk, UtcDateTime
from models.crm.common import CrmEntity, Money, enum_column


class CustomFieldKind(enum.Enum):
    """What a custom field holds, and so how it is validated, compared and stored."""

    STRING = "STRING"
    TEXT = "TEXT"
    INTEGER = "INTEGER"
    DECIMAL = "DECIMAL"
    MONEY = "MONEY"
    BOOLEAN = "BOOLEAN"
    DATE = "DATE"
    DATETIME = "DATETIME"
    ENUMERATION = "ENUMERATION"
    USER = "USER"
    URL = "URL"
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    # A lead, contact, company or deal: its entity in ``text``, its id in ``integer``.
    CRM_RECORD = "CRM_RECORD"


class CustomField(Base):
    """One custom field of an entity. ``code`` (``UF_…``) names it in inputs, filters, orders,
    field rules and change logs, and never changes; ``name`` is what people read."""

    __tablename__ = "crm_custom_fields"

    id: Mapped[IntPk]
    entity: Mapped[CrmEntity] = mapped_column(enum_column(CrmEntity))
    code: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[CustomFieldKind] = mapped_column(enum_column(CustomFieldKind))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    multiple: Mapped[bool] = mapped_column(Boolean, default=False)
    sort: Mapped[int] = mapped_column(Integer)
    # An enumeration's options, in order.
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The values a new record takes when none is given, as the inputs give them.
    default: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[CreatedAt]

    __table_args__ = (
        UniqueConstraint("entity", "code"),
        Index("ix_crm_custom_fields_entity_sort", "entity", "sort", "id"),
    )


class CustomValue(Base):
    """One value of a custom field on a record; a multiple field has one row per value, in
    ``position`` order. Exactly the column of the field's kind is set (a money value: the
    amount in ``number`` and its currency in ``text``)."""

    __tablename__ = "crm_custom_values"

    id: Mapped[IntPk]
    field_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("crm_custom_fields.id", ondelete="CASCADE")
    )
    entity: Mapped[CrmEntity] = mapped_column(enum_column(CrmEntity))
    record_id: Mapped[int] = mapped_column(BigId)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str | None] = mapped_column(Text)
    integer: Mapped[int | None] = mapped_column(BigId)
    number: Mapped[Decimal | None] = mapped_column(Money())
    flag: Mapped[bool | None] = mapped_column(Boolean)
    day: Mapped[date | None] = mapped_column(Date)
    moment: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # A phone's digits, as duplicate detection compares phones.
    digits: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (
        UniqueConstraint("field_id", "record_id", "position"),
        Index("ix_crm_custom_values_entity_record_id", "entity", "record_id"),
        Index("ix_crm_custom_values_field_id_text", "field_id", "text", "record_id"),
        Index("ix_crm_custom_values_field_id_integer", "field_id", "integer", "record_id"),
        Index("ix_crm_custom_values_field_id_number", "field_id", "number", "record_id"),
        Index("ix_crm_custom_values_field_id_day", "field_id", "day", "record_id"),
        Index("ix_crm_custom_values_field_id_moment", "field_id", "moment", "record_id"),
        Index("ix_crm_custom_values_digits", "digits"),
    )
