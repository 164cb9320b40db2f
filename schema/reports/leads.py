"""GraphQL for lead analytics: groups of leads, their conversion and repeats."""

from __future__ import annotations

from datetime import date

import strawberry

from resolvers.reports import leads as lead_reports
from resolvers.reports.grouping import GroupKey
from resolvers.reports.leads import LeadDimension
from schema.enums import described_enum
from schema.reports.common import CustomGroupValue, Durations, custom_keys, key_day, key_id

described_enum(
    LeadDimension,
    "What lead figures are grouped by; a period is of `period`, in `timeZone`.",
    {
        LeadDimension.SOURCE: "Where the lead came from.",
        LeadDimension.STATUS: "The lead's status.",
        LeadDimension.RESPONSIBLE: "The user responsible for the lead.",
        LeadDimension.CREATED_PERIOD: "The period the lead was created in.",
        LeadDimension.CONVERTED_PERIOD: "The period the lead was converted in.",
    },
    name="LeadDimension",
)


@strawberry.type(
    description="A group's value in each dimension it is grouped by. Null: the leads have "
    "none (no source, not converted), or the dimension is in `hidden`."
)
class LeadGroupKey:
    source_id: strawberry.ID | None = strawberry.field(description="The LeadSource.")
    status_id: strawberry.ID | None = strawberry.field(description="The LeadStatus.")
    responsible_id: strawberry.ID | None = strawberry.field(description="The User.")
    created_period: date | None = strawberry.field(description="The period's first day.")
    converted_period: date | None = strawberry.field(description="The period's first day.")
    hidden: list[LeadDimension] = strawberry.field(
        description="Dimensions hidden from you on these leads: their value is not given."
    )
    custom: list[CustomGroupValue] = strawberry.field(
        description="The group's value in each field of `groupByCustom`, in that order."
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
                (LeadDimension(name) for name in key.hidden if name not in key.kinds),
                key=lambda item: item.value,
            ),
            custom=custom_keys(key),
        )


@strawberry.type(description="The leads that share a value in each `groupBy` dimension.")
class LeadGroup:
    key: LeadGroupKey = strawberry.field(description="What the group's leads share.")
    count: int = strawberry.field(description="Leads in the group.")
    converted: int = strawberry.field(description="Leads of the group converted.")
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
