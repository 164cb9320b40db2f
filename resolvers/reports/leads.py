"""Lead analytics: how many leads, how many converted and how fast, how many repeat, grouped.

A lead is converted once it has a conversion time. As for deals, a measure over a field
hidden from the viewer on some leads leaves them out and counts them.
"""

from __future__ import annotations

import enum
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import SQLColumnExpression, case, func, select

from models.crm import CrmEntity, Lead
from resolvers.context import RequestContext
from resolvers.crm.filtering import Filter
from resolvers.reports.custom_groups import custom_dimensions
from resolvers.reports.grouping import (
    MAX_FETCHED_GROUPS,
    Dimension,
    Durations,
    GroupKey,
    check_group_count,
    group_key,
    grouped,
    joined,
    key_columns,
    medians_of,
    ratio,
    raw_key,
    sort_key,
)
from resolvers.reports.periods import Period, period_of, seconds_between, time_zone
from resolvers.reports.scope import dimensions as group_dimensions
from resolvers.reports.scope import readable_matching_records, shown


class LeadDimension(enum.Enum):
    SOURCE = "source"
    STATUS = "status"
    RESPONSIBLE = "responsible"
    CREATED_PERIOD = "createdPeriod"
    CONVERTED_PERIOD = "convertedPeriod"


_DIMENSION_RULES = {
    LeadDimension.SOURCE: "source",
    LeadDimension.STATUS: "status",
    LeadDimension.RESPONSIBLE: "assignedTo",
    LeadDimension.CREATED_PERIOD: "createdAt",
    LeadDimension.CONVERTED_PERIOD: "convertedAt",
}
CONVERSION_RULES = ("convertedAt",)
TIME_TO_CONVERSION_RULES = ("createdAt", "convertedAt")


@dataclass(frozen=True)
class LeadReportRequest:
    filter: Filter
    group_by: Sequence[LeadDimension] = ()
    # Custom fields of leads to group by too, by code (``custom_groups``).
    group_by_custom: Sequence[str] = ()
    period: Period = Period.MONTH
    time_zone: str = "UTC"


@dataclass(frozen=True)
class LeadGroup:
    key: GroupKey
    count: int
    converted: int
    # converted / (count - conversion_excluded)
    conversion_rate: float | None
    conversion_excluded: int
    time_to_conversion: Durations
    repeats: int


async def lead_report(ctx: RequestContext, request: LeadReportRequest) -> list[LeadGroup]:
    ctx.require_viewer()
    zone = time_zone(request.time_zone)
    dimensions = await group_dimensions(
        ctx,
        CrmEntity.LEAD,
        request.group_by,
        _DIMENSION_RULES,
        lambda dimension: _dimension_value(dimension, request.period, zone),
    )
    dimensions += await custom_dimensions(
        ctx, CrmEntity.LEAD, request.group_by_custom, request.period, zone
    )
    conversion_shown = await shown(ctx, CrmEntity.LEAD, CONVERSION_RULES)
    timing_shown = await shown(ctx, CrmEntity.LEAD, TIME_TO_CONVERSION_RULES)
    converted = conversion_shown & Lead.converted_at.is_not(None)
    matching = await readable_matching_records(ctx, CrmEntity.LEAD, request.filter)
    measured = (
        select(
            *key_columns(dimensions),
            case((converted, 1), else_=0).label("converted"),
            case((conversion_shown, 0), else_=1).label("conversion_hidden"),
            case(
                (timing_shown & converted, seconds_between(Lead.created_at, Lead.converted_at)),
                else_=None,
            ).label("waited"),
            case((timing_shown, 0), else_=1).label("waited_hidden"),
            case((Lead.is_repeat, 1), else_=0).label("repeat"),
        )
        .select_from(Lead)
        .where(matching)
    )
    rows = joined(measured, dimensions).subquery("measured")
    keys = grouped(rows, dimensions)
    figures = (
        select(
            *keys,
            func.count(),
            func.sum(rows.c.converted),
            func.sum(rows.c.conversion_hidden),
            func.avg(rows.c.waited),
            func.count(rows.c.waited),
            func.sum(rows.c.waited_hidden),
            func.sum(rows.c.repeat),
        )
        .group_by(*keys)
        .limit(MAX_FETCHED_GROUPS)
    )
    async with ctx.db() as session:
        found = (await session.execute(figures)).all()
        check_group_count(len(found))
        medians = (await session.execute(medians_of(rows.c.waited, keys))).all()
    groups = _groups(dimensions, found, medians)
    names = [dimension.name for dimension in dimensions]
    return sorted(groups, key=lambda group: sort_key(group.key, names))


def _dimension_value(
    dimension: LeadDimension, period: Period, zone: str
) -> SQLColumnExpression[Any]:
    if dimension is LeadDimension.SOURCE:
        return Lead.source_id
    if dimension is LeadDimension.STATUS:
        return Lead.status_id
    if dimension is LeadDimension.RESPONSIBLE:
        return Lead.assigned_to_id
    if dimension is LeadDimension.CREATED_PERIOD:
        return period_of(Lead.created_at, period, zone)
    return period_of(Lead.converted_at, period, zone)


def _groups(
    dimensions: Sequence[Dimension], figures: Sequence[Any], medians: Sequence[Any]
) -> list[LeadGroup]:
    width = 2 * len(dimensions)
    median_of: dict[tuple[Hashable, ...], float] = {
        raw_key(dimensions, row): float(row[width]) for row in medians
    }
    groups = []
    for row in figures:
        count, converted, conversion_hidden, waited, waits, waited_hidden, repeats = row[width:]
        converted, conversion_hidden = int(converted or 0), int(conversion_hidden or 0)
        groups.append(
            LeadGroup(
                key=group_key(dimensions, row),
                count=int(count),
                converted=converted,
                conversion_rate=ratio(converted, int(count) - conversion_hidden),
                conversion_excluded=conversion_hidden,
                time_to_conversion=Durations(
                    average_seconds=None if waited is None else float(waited),
                    median_seconds=median_of.get(raw_key(dimensions, row)),
                    count=int(waits),
                    excluded=int(waited_hidden or 0),
                ),
                repeats=int(repeats or 0),
            )
        )
    return groups
