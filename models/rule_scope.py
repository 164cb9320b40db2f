"""What an access rule covers: every status (ANY), the statuses of one semantics, the stages
of one pipeline, or one lead status / deal stage.

A scope is stored as one short text column, e.g. ``ANY``, ``SEMANTICS:SUCCESS``,
``PIPELINE:3``, ``STATUS:7``: a single non-null value, so a unique constraint over (role,
entity, action, scope) allows one rule per key on SQLite and PostgreSQL alike (NULLs never
collide, and expression indexes would escape the schema comparison). Pipeline and status ids
get no foreign key: a STATUS id is a lead status for leads and a deal stage for deals; the
rules of a deleted pipeline or status are deleted with it (resolvers/crm/dictionary_admin.py).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, TypeDecorator
from sqlalchemy.engine import Dialect

from models.crm.common import Semantics

SCOPE_LENGTH = 32


class ScopeKind(enum.Enum):
    """From the broadest to the most specific: a more specific rule of a role wins."""

    ANY = "ANY"
    SEMANTICS = "SEMANTICS"
    PIPELINE = "PIPELINE"
    STATUS = "STATUS"


SPECIFICITY = {kind: rank for rank, kind in enumerate(ScopeKind)}
_SEMANTICS_ORDER = {semantics: rank for rank, semantics in enumerate(Semantics)}


@dataclass(frozen=True, slots=True)
class RuleScope:
    kind: ScopeKind
    # Set for SEMANTICS only.
    semantics: Semantics | None = None
    # The pipeline (PIPELINE) or the lead status / deal stage (STATUS); None otherwise.
    target_id: int | None = None

    def __post_init__(self) -> None:
        if (self.semantics is not None) != (self.kind is ScopeKind.SEMANTICS):
            raise ValueError(f"{self.kind.value} scope: semantics {self.semantics}")
        wants_id = self.kind in (ScopeKind.PIPELINE, ScopeKind.STATUS)
        if (self.target_id is not None) != wants_id:
            raise ValueError(f"{self.kind.value} scope: id {self.target_id}")

    @classmethod
    def of_semantics(cls, semantics: Semantics) -> RuleScope:
        return cls(ScopeKind.SEMANTICS, semantics=semantics)

    @classmethod
    def of_pipeline(cls, pipeline_id: int) -> RuleScope:
        return cls(ScopeKind.PIPELINE, target_id=pipeline_id)

    @classmethod
    def of_status(cls, status_id: int) -> RuleScope:
        return cls(ScopeKind.STATUS, target_id=status_id)

    @property
    def status_id(self) -> int | None:
        return self.target_id if self.kind is ScopeKind.STATUS else None

    @property
    def pipeline_id(self) -> int | None:
        return self.target_id if self.kind is ScopeKind.PIPELINE else None

    @property
    def sort_key(self) -> tuple[int, int, int]:
        """Broadest first; semantics in their own order; ids ascending."""
        semantics = _SEMANTICS_ORDER[self.semantics] if self.semantics is not None else 0
        return (SPECIFICITY[self.kind], semantics, self.target_id or 0)

    def encode(self) -> str:
        if self.semantics is not None:
            return f"{self.kind.value}:{self.semantics.value}"
        if self.target_id is not None:
            return f"{self.kind.value}:{self.target_id}"
        return self.kind.value

    @classmethod
    def decode(cls, stored: str) -> RuleScope:
        kind_name, _, argument = stored.partition(":")
        kind = ScopeKind(kind_name)
        if kind is ScopeKind.SEMANTICS:
            return cls.of_semantics(Semantics(argument))
        if kind is ScopeKind.ANY:
            return ANY_SCOPE
        return cls(kind, target_id=int(argument))


ANY_SCOPE = RuleScope(ScopeKind.ANY)


class ScopeColumn(TypeDecorator[RuleScope]):
    """A ``RuleScope`` in a VARCHAR: readable in SQL, one value per scope."""

    impl = String(SCOPE_LENGTH)
    cache_ok = True

    def process_bind_param(self, value: RuleScope | None, dialect: Dialect) -> str | None:
        return value.encode() if value is not None else None

    def process_result_value(self, value: Any, dialect: Dialect) -> RuleScope | None:
        return RuleScope.decode(value) if value is not None else None
