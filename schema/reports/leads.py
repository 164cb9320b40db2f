"""GraphQL for lead analytics: groups of leads, their conversion and repeats."""

from __future__ import annotations

from datetime import date

import strawberry

from resolvers.reports import leads as lead_reports
from resolvers.reports.grouping import GroupKey
from resolvers.reports.leads import LeadDimension
from schema.reports.common import Durations, key_day, key_id

strawberry.enum(
    LeadDimension,
    name="LeadDimension",
    description="What lead figures are grouped by; a period is of `period`, in `timeZone`.",
)


@strawberry.type(
    description="A group's value in each dimension it is grouped by. Null: the leads have "
    "none (no source, not converted), or the dimension is in `hidden`."
)
class LeadGroupKey:
    source_id: strawberry.ID | None
    status_id: strawberry.ID | None
    responsible_id: strawberry.ID | None
    created_period: date | None = strawberry.field(description="The period's first day.")
    converted_period: date | None = strawberry.field(description="The period's first day.")
    hidden: list[LeadDimension] = strawberry.field(
        description="Dimensions hidden from you on these leads: their value is not given."
    )

    @classmethod
    def of(cls, key: GroupKey) -> LeadGroupKey:
        return cls(
            source_id=key_id(key, LeadDimension.SOURCE.value, "LeadSource"),
            status_id=key_id(key, LeadDimension.STATUS.value, "LeadStatus"),
            responsible_id=key_id(key, LeadDimension.RESPONSIBLE.value, "User"),
            created_period=key_day(key, LeadDimension.CREATED_PERIOD.value),
            converted_period=key_day(key, LeadDimension.CONVERTED_PERIOD.value),
            hidden=sorted(
                (LeadDimension(name) for name in key.hidden), key=lambda item: item.value
            ),
        )


@strawberry.type
class LeadGroup:
    key: LeadGroupKey
    count: int
    converted: int
    conversion_rate: float | None = strawberry.field(
        description="converted / (count - conversionExcluded); null without such leads."
    )
    conversion_excluded: int = strawberry.field(
        description="Leads left out of `converted`: their conversion is hidden from you."
    )
    time_to_conversion: Durations = strawberry.field(
        description="From creation to conversion, over the group's converted leads."
    )
    repeats: int = strawberry.field(description="Leads from someone already known.")

    @classmethod
    def of(cls, group: lead_reports.LeadGroup) -> LeadGroup:
        return cls(
            key=LeadGroupKey.of(group.key),
            count=group.count,
            converted=group.converted,
            conversion_rate=group.conversion_rate,
            conversion_excluded=group.conversion_excluded,
            time_to_conversion=Durations.of(group.time_to_conversion),
            repeats=group.repeats,
        )
