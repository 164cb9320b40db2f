"""What every report's GraphQL shares: group keys' values, and durations."""

from __future__ import annotations

from datetime import date

import strawberry

from models.crm import CustomFieldKind
from resolvers.reports import grouping
from resolvers.reports.grouping import GroupKey
from schema.relay import encode_id

KIND = CustomFieldKind


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


@strawberry.type(
    description="A group's value in one custom field of `groupByCustom`: the member of the "
    "field's kind. All null: the records have no value, or `hidden`."
)
class CustomGroupValue:
    field: str = strawberry.field(description="The field's code, `UF_…`.")
    hidden: bool = strawberry.field(
        description="The field is hidden from you on these records: its value is not given."
    )
    string: str | None = strawberry.field(description="STRING, URL, EMAIL, PHONE, ENUMERATION.")
    integer: int | None = strawberry.field(description="INTEGER.")
    boolean: bool | None = strawberry.field(description="BOOLEAN.")
    user_id: strawberry.ID | None = strawberry.field(description="USER: the User.")
    period: date | None = strawberry.field(
        description="DATE, DATETIME: the first day of the period (of `period`, in `timeZone`) "
        "holding the value."
    )


def custom_keys(key: GroupKey) -> list[CustomGroupValue]:
    """The group's values in its custom field dimensions, in their order."""
    found = []
    for code, kind in key.kinds.items():
        value = key.values.get(code)
        found.append(
            CustomGroupValue(
                field=code,
                hidden=code in key.hidden,
                string=None if value is None or kind not in _STRINGS else str(value),
                integer=int(value) if value is not None and kind is KIND.INTEGER else None,
                boolean=bool(value) if value is not None and kind is KIND.BOOLEAN else None,
                user_id=encode_id("User", value)
                if value is not None and kind is KIND.USER
                else None,
                period=key_day(key, code) if kind in (KIND.DATE, KIND.DATETIME) else None,
            )
        )
    return found


_STRINGS = frozenset({KIND.STRING, KIND.URL, KIND.EMAIL, KIND.PHONE, KIND.ENUMERATION})
