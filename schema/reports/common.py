"""What every report's GraphQL shares: group keys' values, and durations."""

from __future__ import annotations

from datetime import date

import strawberry

from resolvers.reports import grouping
from resolvers.reports.grouping import GroupKey
from schema.relay import encode_id


def key_id(key: GroupKey, name: str, type_name: str) -> strawberry.ID | None:
    """A group's value in an ID-valued dimension, as a global ID."""
    value = key.values.get(name)
    return None if value is None else encode_id(type_name, value)


def key_day(key: GroupKey, name: str) -> date | None:
    """A group's value in a period dimension: the period's first day."""
    value = key.values.get(name)
    return None if value is None else date.fromisoformat(value)


@strawberry.type(description="Seconds between two moments of each record of a group.")
class Durations:
    average_seconds: float | None = strawberry.field(description="Null when `count` is 0.")
    median_seconds: float | None = strawberry.field(description="Null when `count` is 0.")
    count: int = strawberry.field(description="Records measured.")
    excluded: int = strawberry.field(
        description="Records left out: one of their two moments is hidden from you."
    )

    @classmethod
    def of(cls, durations: grouping.Durations) -> Durations:
        return cls(
            average_seconds=durations.average_seconds,
            median_seconds=durations.median_seconds,
            count=durations.count,
            excluded=durations.excluded,
        )
