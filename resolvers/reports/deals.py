"""Deal analytics: counts, amounts per currency, win rate and cycle time, grouped.

Up to four statements over the same rows (the readable deals matching the filter, with
their group keys and the inputs of every measure): the figures per group, and when asked
for, the amounts per group and currency (never adding one currency to another), the
median cycle time per group and the time in each stage (``stage_times``).
A measure over a field hidden from the viewer on some rows leaves those rows out and counts
them, so no figure reveals a hidden value.
"""

from __future__ import annotations

import enum
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, SQLColumnExpression, case, func, not_, select

from models import User
from models.crm import CrmEntity, Deal, DealStage, Semantics
from resolvers.context import RequestContext
from resolvers.crm.filtering import Filter
from resolvers.reports.custom_groups import custom_dimensions
from resolvers.reports.deal_links import company_value, source_dimension, stage_entered_at
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
    money,
    ratio,
    raw_key,
    sort_key,
)
from resolvers.reports.periods import Period, period_of, seconds_between, time_zone
from resolvers.reports.scope import dimensions as group_dimensions
from resolvers.reports.scope import readable_matching_records, shown, unreadable_stages
from resolvers.reports.stage_times import StageTime, stage_times, stage_times_by_key


class DealDimension(enum.Enum):
    STAGE = "stage"
    PIPELINE = "pipeline"
    SEMANTICS = "semantics"
    RESPONSIBLE = "responsible"
    DEPARTMENT = "department"
    COMPANY = "company"
    CREATED_PERIOD = "createdPeriod"
    CLOSED_PERIOD = "closedPeriod"
    SOURCE = "source"
    STAGE_ENTERED_PERIOD = "stageEnteredPeriod"


# The field rule (resolvers/crm/fields.py) each dimension reads; None: no rule hides it.
DIMENSION_RULES: dict[DealDimension, str | None] = {
    DealDimension.STAGE: "stage",
    DealDimension.PIPELINE: None,
    DealDimension.SEMANTICS: "stage",
    DealDimension.RESPONSIBLE: "assignedTo",
    DealDimension.DEPARTMENT: "assignedTo",
    DealDimension.COMPANY: "company",
    DealDimension.CREATED_PERIOD: "createdAt",
    DealDimension.CLOSED_PERIOD: "closedAt",
    # No rule of the deal names its source lead: the lead's own rules do (``deal_links``).
    DealDimension.SOURCE: None,
    # The stage history tells the stages the deal went through.
    DealDimension.STAGE_ENTERED_PERIOD: "stage",
}
AMOUNT_RULES = ("amount", "currency")
OUTCOME_RULES = ("stage",)
CYCLE_RULES = ("createdAt", "closedAt")


@dataclass(frozen=True)
class DealReportRequest:
    filter: Filter
    group_by: Sequence[DealDimension] = ()
    # Custom fields of deals to group by too, by code (``custom_groups``).
    group_by_custom: Sequence[str] = ()
    period: Period = Period.MONTH
    time_zone: str = "UTC"
    # Whether the amounts per currency, the median cycle times and the time in stages are
    # wanted: each is one more statement over every counted deal.
    amounts: bool = True
    medians: bool = True
    stage_times: bool = True


@dataclass(frozen=True)
class CurrencyFigures:
    currency: str
    count: int
    sum: Decimal
    average: Decimal
    minimum: Decimal
    maximum: Decimal
    # Each amount times its probability (none: 0); rows whose probability is hidden are
    # left out of it and counted.
    weighted_sum: Decimal
    weighted_excluded: int


@dataclass(frozen=True)
class DealGroup:
    key: GroupKey
    count: int
    amounts: Sequence[CurrencyFigures]
    amounts_excluded: int
    won: int
    lost: int
    # Won / closed; None when nothing is closed or when the viewer reads no deal of some
    # closing stage (the rate would count only the other outcome).
    win_rate: float | None
    outcome_excluded: int
    # From creation to closing, over the closed deals of the group.
    cycle_time: Durations
    # Per stage, the deals' finished stays there; deals whose stage is hidden left out.
    time_in_stages: Sequence[StageTime] = ()
    time_in_stages_excluded: int = 0


@dataclass(frozen=True)
class DealReport:
    groups: Sequence[DealGroup]
    # Stages in which the viewer may read no deal: figures cannot include them.
    unreadable_stage_ids: Sequence[int]


async def deal_report(ctx: RequestContext, request: DealReportRequest) -> DealReport:
    ctx.require_viewer()
    zone = time_zone(request.time_zone)
    links = await _linked_values(ctx, request.group_by)
    dimensions = await group_dimensions(
        ctx,
        CrmEntity.DEAL,
        request.group_by,
        DIMENSION_RULES,
        lambda dimension: _dimension_value(dimension, request.period, zone, links),
        {dimension: shown for dimension, (_, shown) in links.items() if shown is not None},
    )
    dimensions += await custom_dimensions(
        ctx, CrmEntity.DEAL, request.group_by_custom, request.period, zone
    )
    rows = (await _measured_rows(ctx, request.filter, dimensions)).subquery("measured")
    keys = grouped(rows, dimensions)
    async with ctx.db() as session:
        figures = (await session.execute(_figures(rows, keys))).all()
        check_group_count(len(figures))
        amounts = (await session.execute(_amounts(rows, keys))).all() if request.amounts else []
        medians: Sequence[Row[Any]] = []
        if request.medians:
            medians = (await session.execute(medians_of(rows.c.cycle, keys))).all()
        times: Sequence[Row[Any]] = []
        if request.stage_times:
            times = (await session.execute(stage_times(rows, keys, rows.c.outcome_hidden))).all()
        stages = (
            await session.execute(
                select(DealStage.id, DealStage.semantics).order_by(
                    DealStage.pipeline_id, DealStage.sort, DealStage.id
                )
            )
        ).all()
    unreadable = unreadable_stages(ctx, [stage_id for stage_id, _ in stages])
    closing_unreadable = any(
        semantics is not Semantics.PROCESS and stage_id in unreadable
        for stage_id, semantics in stages
    )
    groups = _groups(dimensions, figures, amounts, medians, closing_unreadable)
    order = {stage_id: index for index, (stage_id, _) in enumerate(stages)}
    by_key = stage_times_by_key(dimensions, times, order)
    groups = [
        # The stage rule hides the history as it hides the outcome: the same deals are out.
        replace(
            group,
            time_in_stages=by_key.get(key, []),
            time_in_stages_excluded=group.outcome_excluded,
        )
        for key, group in zip(_raw_keys(dimensions, figures), groups, strict=True)
    ]
    names = [dimension.name for dimension in dimensions]
    return DealReport(
        sorted(groups, key=lambda group: sort_key(group.key, names)), sorted(unreadable)
    )


LinkedValues = dict[DealDimension, tuple[SQLColumnExpression[Any], ColumnElement[bool] | None]]


async def _linked_values(ctx: RequestContext, wanted: Sequence[DealDimension]) -> LinkedValues:
    """The dimensions read through a link, judged by the linked records' rules too: each
    value, and where it is shown beyond the deal's own rule (None: wherever that shows)."""
    found: LinkedValues = {}
    if DealDimension.COMPANY in wanted:
        found[DealDimension.COMPANY] = (await company_value(ctx), None)
    if DealDimension.SOURCE in wanted:
        found[DealDimension.SOURCE] = await source_dimension(ctx)
    return found


def _dimension_value(
    dimension: DealDimension, period: Period, zone: str, linked: LinkedValues
) -> SQLColumnExpression[Any]:
    if dimension in linked:
        return linked[dimension][0]
    if dimension is DealDimension.STAGE:
        return Deal.stage_id
    if dimension is DealDimension.PIPELINE:
        return Deal.pipeline_id
    if dimension is DealDimension.SEMANTICS:
        return DealStage.semantics
    if dimension is DealDimension.RESPONSIBLE:
        return Deal.assigned_to_id
    if dimension is DealDimension.DEPARTMENT:
        department = select(User.department_id).where(User.id == Deal.assigned_to_id)
        return department.scalar_subquery()
    if dimension is DealDimension.CREATED_PERIOD:
        return period_of(Deal.created_at, period, zone)
    if dimension is DealDimension.STAGE_ENTERED_PERIOD:
        return period_of(stage_entered_at(), period, zone)
    return period_of(Deal.closed_at, period, zone)


async def _measured_rows(
    ctx: RequestContext, filter: Filter, dimensions: Sequence[Dimension]
) -> Select[Any]:
    """One row per counted deal: its group keys and what each measure reads of it."""
    amount_shown = await shown(ctx, CrmEntity.DEAL, AMOUNT_RULES)
    probability_shown = await shown(ctx, CrmEntity.DEAL, ["probability"])
    outcome_shown = await shown(ctx, CrmEntity.DEAL, OUTCOME_RULES)
    cycle_shown = await shown(ctx, CrmEntity.DEAL, CYCLE_RULES)
    matching = await readable_matching_records(ctx, CrmEntity.DEAL, filter)
    semantics = DealStage.semantics
    measured = (
        select(
            *key_columns(dimensions),
            Deal.id.label("deal_id"),
            case((amount_shown, 1), else_=0).label("amount_shown"),
            Deal.amount.label("amount"),
            Deal.currency.label("currency"),
            case(
                (
                    amount_shown & probability_shown,
                    Deal.amount * func.coalesce(Deal.probability, 0),
                ),
                else_=None,
            ).label("weighted"),
            case((amount_shown & not_(probability_shown), 1), else_=0).label("weighted_hidden"),
            case((outcome_shown & (semantics == Semantics.SUCCESS), 1), else_=0).label("won"),
            case((outcome_shown & (semantics == Semantics.FAILURE), 1), else_=0).label("lost"),
            case((outcome_shown, 0), else_=1).label("outcome_hidden"),
            case(
                (
                    cycle_shown & Deal.closed_at.is_not(None),
                    seconds_between(Deal.created_at, Deal.closed_at),
                ),
                else_=None,
            ).label("cycle"),
            case((cycle_shown, 0), else_=1).label("cycle_hidden"),
        )
        .select_from(Deal)
        .join(DealStage, DealStage.id == Deal.stage_id)
        .where(matching)
    )
    return joined(measured, dimensions)


def _figures(rows: Any, keys: Sequence[ColumnElement[Any]]) -> Select[Any]:
    return (
        select(
            *keys,
            func.count(),
            func.sum(rows.c.won),
            func.sum(rows.c.lost),
            func.sum(rows.c.outcome_hidden),
            func.sum(1 - rows.c.amount_shown),
            func.avg(rows.c.cycle),
            func.count(rows.c.cycle),
            func.sum(rows.c.cycle_hidden),
        )
        .group_by(*keys)
        .limit(MAX_FETCHED_GROUPS)
    )


def _amounts(rows: Any, keys: Sequence[ColumnElement[Any]]) -> Select[Any]:
    return (
        select(
            *keys,
            rows.c.currency,
            func.count(),
            func.sum(rows.c.amount),
            func.avg(rows.c.amount),
            func.min(rows.c.amount),
            func.max(rows.c.amount),
            func.sum(rows.c.weighted),
            func.sum(rows.c.weighted_hidden),
        )
        .where(rows.c.amount_shown == 1)
        .group_by(*keys, rows.c.currency)
    )


def _groups(
    dimensions: Sequence[Dimension],
    figures: Sequence[Any],
    amounts: Sequence[Any],
    medians: Sequence[Any],
    closing_unreadable: bool,
) -> list[DealGroup]:
    width = 2 * len(dimensions)
    by_key: dict[tuple[Hashable, ...], list[CurrencyFigures]] = {}
    for row in amounts:
        by_key.setdefault(raw_key(dimensions, row), []).append(_currency_figures(row[width:]))
    median_of: Mapping[tuple[Hashable, ...], float] = {
        raw_key(dimensions, row): float(row[width]) for row in medians
    }
    groups = []
    for row in figures:
        key = raw_key(dimensions, row)
        count, won, lost, outcome_hidden, amount_hidden, cycle_avg, cycles, cycle_hidden = row[
            width:
        ]
        won, lost = int(won or 0), int(lost or 0)
        groups.append(
            DealGroup(
                key=group_key(dimensions, row),
                count=int(count),
                amounts=sorted(by_key.get(key, []), key=lambda figures: figures.currency),
                amounts_excluded=int(amount_hidden or 0),
                won=won,
                lost=lost,
                win_rate=None if closing_unreadable else ratio(won, won + lost),
                outcome_excluded=int(outcome_hidden or 0),
                cycle_time=Durations(
                    average_seconds=None if cycle_avg is None else float(cycle_avg),
                    median_seconds=median_of.get(key),
                    count=int(cycles),
                    excluded=int(cycle_hidden or 0),
                ),
            )
        )
    return groups


def _currency_figures(row: Sequence[Any]) -> CurrencyFigures:
    currency, count, total, average, minimum, maximum, weighted, weighted_hidden = row
    return CurrencyFigures(
        currency=currency,
        count=int(count),
        sum=money(total),
        average=money(average),
        minimum=money(minimum),
        maximum=money(maximum),
        weighted_sum=money(Decimal(str(weighted or 0)) / 100),
        weighted_excluded=int(weighted_hidden or 0),
    )


def _raw_keys(dimensions: Sequence[Dimension], figures: Sequence[Any]) -> list[Any]:
    return [raw_key(dimensions, row) for row in figures]
