"""Column kinds and enums shared by the CRM tables."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import Enum, Numeric, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

CENT = Decimal("0.01")


class Semantics(enum.Enum):
    """What reaching a lead status or deal stage means: still working, won, or lost."""

    PROCESS = "PROCESS"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"


class CrmEntity(enum.Enum):
    """The CRM record kinds that communications, activities and timelines attach to."""

    LEAD = "LEAD"
    CONTACT = "CONTACT"
    COMPANY = "COMPANY"
    DEAL = "DEAL"


def enum_column(enum_class: type[enum.Enum]) -> Enum:
    """An enum stored as its value in a VARCHAR(16): portable, readable in SQL, no DB type."""
    return Enum(
        enum_class,
        native_enum=False,
        create_constraint=False,
        length=16,
        values_callable=lambda members: [member.value for member in members],
    )


class Money(TypeDecorator[Decimal]):
    """NUMERIC(18, 2) as a Decimal. SQLite has no decimal type: there it is read as a float
    (exact to the cent below 10^13) and rounded back, which also avoids SQLAlchemy's
    float-to-Decimal warning."""

    impl = Numeric(18, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Numeric(18, 2, asdecimal=False))
        return dialect.type_descriptor(Numeric(18, 2))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return float(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)).quantize(CENT)

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal
