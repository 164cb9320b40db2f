"""An event as subscribers see it: a frozen copy of an ``events`` row, shared by all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from models import Event


@dataclass(frozen=True, slots=True)
class EventRecord:
    seq: int
    kind: str
    actor_id: int | None
    subject_type: str
    subject_id: int
    scope_type: str
    scope_id: int
    changes: dict[str, Any]
    envelope: dict[str, Any]
    occurred_at: datetime

    @classmethod
    def of(cls, row: Event) -> EventRecord:
        return cls(
            seq=row.seq,
            kind=row.kind,
            actor_id=row.actor_id,
            subject_type=row.subject_type,
            subject_id=row.subject_id,
            scope_type=row.scope_type,
            scope_id=row.scope_id,
            changes=row.changes,
            envelope=row.envelope,
            occurred_at=row.occurred_at,
        )
