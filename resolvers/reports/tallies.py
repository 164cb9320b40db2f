"""The funnel and the deal figures from the deal tallies (models/crm/tallies.py) when they
give the same figures as the deals, else from the deals.

The tallies serve a report when
- every figure asked for is a count or a sum (no minimum, maximum or cycle time),
- the filter tests only the tallies' columns (stage, pipeline, responsible, opened,
  currency) and searches nothing,
- no role of the viewer may hide a field the report reads (stage, amount, currency,
  probability, and the grouping's fields): then no row is masked or left out;
- every dimension is one of the tallies' columns (stage, pipeline, semantics, responsible,
  department).
The viewer's READ predicate is the policy's own, compiled onto the tallies' columns: a
level judges a deal by its responsible, ``opened`` flag and stage, which a tally holds.
Everything else is counted on the deals (funnel.py, deals.py).

A funnel whose filter tests only stage, pipeline and opened reads the funnel tallies per
department instead, and the viewer's own deals from the deal tallies (funnel_tallies.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Sequence, Set
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, case, func, null, select
from sqlalchemy.orm import aliased

from auth.policy.entities import RecordColumns
from models import User
from models.crm import CrmEntity, DealStage, DealTally, Semantics
from models.crm.tallies import NONE_ID
from resolvers.context import RequestContext
from resolvers.crm.dictionaries import default_pipeline
from resolvers.crm.fields import RECORD_FIELDS
from resolvers.crm.filtering import Fields, Filter, filtered_fields, searches, where
from resolvers.errors import not_found
from resolvers.reports import deals as rows
from resolvers.reports import funnel as funnels
from resolvers.reports import funnel_tallies
from resolvers.reports.deals import DealDimension, DealReport, DealReportRequest
from resolvers.reports.grouping import (
    MAX_FETCHED_GROUPS,
    Durations,
    GroupKey,
    check_group_count,
    money,
    ratio,
    sort_key,
)
from resolvers.reports.scope import may_hide, readable_matching_deals, unreadable_stages

_RESPONSIBLE = case((DealTally.responsible_id == NONE_ID, null()), else_=DealTally.responsible_id)
# The deal fields a filter may test on the tallies, as the tallies' (or their stage's) columns.
# The responsible as stored (0 for none, so that its index serves ``in``): equal to a NULL
# under ``eq``, ``in``, ``and`` and ``or`` (0 matches no user, NULL matches nothing), not
# under ``isNull`` or ``not`` (see _null_sensitive).
_COLUMNS: dict[str, SQLColumnExpression[Any]] = {
    "stageId": DealTally.stage_id,
    "pipelineId": DealStage.pipeline_id,
    "assignedToId": DealTally.responsible_id,
    "opened": DealTally.opened,
    "currency": DealTally.currency,
}
_DEAL_FIELDS = RECORD_FIELDS[CrmEntity.DEAL]
_TALLY_FIELDS = Fields(
    by_name={
        name: dataclasses.replace(_DEAL_FIELDS.by_name[name], column=column)
        for name, column in _COLUMNS.items()
    },
    pk=DealTally.stage_id,
    search=_DEAL_FIELDS.search,
    default_order=(),
    entity=CrmEntity.DEAL,
)
_DIMENSIONS: dict[DealDimension, SQLColumnExpression[Any]] = {
    DealDimension.STAGE: DealTally.stage_id,
    DealDimension.PIPELINE: DealStage.pipeline_id,
    DealDimension.SEMANTICS: DealStage.semantics,
    DealDimension.RESPONSIBLE: _RESPONSIBLE,
    DealDimension.DEPARTMENT: select(User.department_id)
    .where(User.id == DealTally.responsible_id)
    .scalar_subquery(),
}
# What a report reads of each deal: a rule hiding any of them on some deal masks it there.
_READ_RULES = ("stage", "amount", "currency", "probability")
# The fields of a deal report the tallies answer (any other, say a minimum or a cycle time,
# needs the deals).
_TALLIED_FIELDS = frozenset(
    {
        "dealReport",
        "groups",
        "key",
        "stageId",
        "pipelineId",
        "semantics",
        "responsibleId",
        "departmentId",
        "companyId",
        "createdPeriod",
        "closedPeriod",
        "hidden",
        "count",
        "amounts",
        "currency",
        "sum",
        "average",
        "weightedSum",
        "weightedExcluded",
        "amountsExcluded",
        "won",
        "lost",
        "winRate",
        "outcomeExcluded",
        "unreadableStageIds",
        "__typename",
    }
)


def _servable(ctx: RequestContext, filter: Filter, rules: tuple[str, ...]) -> bool:
    """Whether the tallies give the deals' figures for this viewer and filter."""
    if searches(filter) or not filtered_fields(filter) <= set(_COLUMNS):
        return False
    if _null_sensitive(filter):
        return False
    return not may_hide(ctx, CrmEntity.DEAL, [*_READ_RULES, *rules])


def _null_sensitive(filter: Filter) -> bool:
    """Whether the filter tells a deal without a responsible from one with the id 0."""
    condition = filter.conditions.get("assignedToId")
    if condition is not None and condition.is_null is not None:
        return True
    if filter.negated is not None and "assignedToId" in filtered_fields(filter.negated):
        return True
    return any(_null_sensitive(nested) for nested in (*filter.all_of, *filter.any_of))


def _readable(ctx: RequestContext, filter: Filter) -> ColumnElement[bool]:
    """The tallies of the deals the viewer may read that match ``filter``."""
    # The deals' own condition, built for its checks and errors (a refused field, a bad
    # operand): the same answers as the row path.
    readable_matching_deals(ctx, filter)
    # The responsible as stored: a level tests it for equality with the viewer or membership
    # of a set of users, false for 0 as for NULL.
    columns = RecordColumns(DealTally.responsible_id, DealTally.opened, DealTally.stage_id)
    return and_(
        ctx.require_policy().read_filter(CrmEntity.DEAL, columns, bulk=True),
        where(_TALLY_FIELDS, filter),
    )


async def funnel(ctx: RequestContext, pipeline_id: int | None, filter: Filter) -> funnels.Funnel:
    """The funnel of ``pipeline_id`` (see funnel.py), from the tallies when they serve."""
    ctx.require_viewer()
    if not _servable(ctx, filter, funnels.STAGE_RULES):
        return await funnels.funnel(ctx, pipeline_id, filter)
    async with ctx.db() as session:
        if pipeline_id is None:
            pipeline_id = (await default_pipeline(session)).id
        stages = (
            await session.execute(
                select(DealStage.id, DealStage.sort, DealStage.semantics)
                .where(DealStage.pipeline_id == pipeline_id)
                .order_by(DealStage.sort, DealStage.id)
            )
        ).all()
        if not stages:
            raise not_found("Pipeline", pipeline_id, "pipelineId")
        if funnel_tallies.servable(filter):
            # Per department, and the viewer's own deals per user.
            tallies = (await session.execute(funnel_tallies.counts(ctx, pipeline_id, filter))).all()
        else:
            furthest = aliased(DealStage)
            tallies = (
                await session.execute(
                    select(furthest.sort, DealStage.semantics, func.sum(DealTally.deals))
                    .select_from(DealTally)
                    .join(DealStage, DealStage.id == DealTally.stage_id)
                    .outerjoin(furthest, furthest.id == DealTally.furthest_stage_id)
                    .where(DealStage.pipeline_id == pipeline_id, _readable(ctx, filter))
                    .group_by(furthest.sort, DealStage.semantics)
                )
            ).all()
    working = [(stage_id, sort) for stage_id, sort, kind in stages if kind is Semantics.PROCESS]
    unreadable = unreadable_stages(ctx, [stage_id for stage_id, _sort, _kind in stages])
    # No stage is hidden from the viewer: no deal is left out.
    counted = [(sort, kind, 0, int(count)) for sort, kind, count in tallies]
    return funnels.funnel_of(pipeline_id, working, counted, sorted(unreadable))


async def deal_report(
    ctx: RequestContext, request: DealReportRequest, asked: Set[str]
) -> DealReport:
    """The deal figures (see deals.py), from the tallies when they serve."""
    ctx.require_viewer()
    dimension_rules = tuple(rows.DIMENSION_RULES[item] or "" for item in request.group_by)
    if (
        not asked <= _TALLIED_FIELDS
        or request.group_by_custom  # never a custom field's (nor a filter on one: _servable)
        or not set(request.group_by) <= set(_DIMENSIONS)
        or len(set(request.group_by)) != len(request.group_by)
        or not _servable(ctx, request.filter, tuple(rule for rule in dimension_rules if rule))
    ):
        return await rows.deal_report(ctx, request)
    keys: list[Any] = [
        _DIMENSIONS[item].label(f"k{index}") for index, item in enumerate(request.group_by)
    ]
    won = case((DealStage.semantics == Semantics.SUCCESS, DealTally.deals), else_=0)
    lost = case((DealStage.semantics == Semantics.FAILURE, DealTally.deals), else_=0)
    statement = (
        select(
            *keys,
            DealTally.currency,
            func.sum(DealTally.deals),
            func.sum(won),
            func.sum(lost),
            func.sum(DealTally.amount),
            func.sum(DealTally.weighted),
        )
        .select_from(DealTally)
        .join(DealStage, DealStage.id == DealTally.stage_id)
        .where(_readable(ctx, request.filter))
        .group_by(*keys, DealTally.currency)
        .having(func.sum(DealTally.deals) > 0)
    )
    async with ctx.db() as session:
        tallies = (await session.execute(statement)).all()
        stages = (await session.execute(select(DealStage.id, DealStage.semantics))).all()
    unreadable = unreadable_stages(ctx, [stage_id for stage_id, _ in stages])
    closing_unreadable = any(
        semantics is not Semantics.PROCESS and stage_id in unreadable
        for stage_id, semantics in stages
    )
    groups = _groups(request.group_by, tallies, closing_unreadable)
    names = [item.value for item in request.group_by]
    return DealReport(
        sorted(groups, key=lambda group: sort_key(group.key, names)), sorted(unreadable)
    )


def _groups(
    dimensions: Sequence[DealDimension], tallies: Sequence[Any], closing_unreadable: bool
) -> list[rows.DealGroup]:
    width = len(dimensions)
    per_key: dict[tuple[Hashable, ...], list[Any]] = {}
    for row in tallies:
        per_key.setdefault(tuple(row[:width]), []).append(row[width:])
        if len(per_key) >= MAX_FETCHED_GROUPS:
            break
    check_group_count(len(per_key))
    groups = []
    for key, currencies in per_key.items():
        count = sum(int(deals) for _currency, deals, *_rest in currencies)
        won = sum(int(won) for _currency, _deals, won, *_rest in currencies)
        lost = sum(int(lost) for _currency, _deals, _won, lost, *_rest in currencies)
        amounts = [
            rows.CurrencyFigures(
                currency=currency,
                count=int(deals),
                sum=money(amount),
                average=money(Decimal(str(amount)) / int(deals)),
                # Not asked for (the tallies serve no report asking for them).
                minimum=Decimal(0),
                maximum=Decimal(0),
                weighted_sum=money(Decimal(str(weighted)) / 100),
                weighted_excluded=0,
            )
            for currency, deals, _won, _lost, amount, weighted in sorted(currencies)
        ]
        values = {item.value: value for item, value in zip(dimensions, key, strict=True)}
        groups.append(
            rows.DealGroup(
                key=GroupKey(values, frozenset()),
                count=count,
                amounts=amounts,
                amounts_excluded=0,
                won=won,
                lost=lost,
                win_rate=None if closing_unreadable else ratio(won, won + lost),
                outcome_excluded=0,
                cycle_time=Durations(None, None, 0, 0),
            )
        )
    return groups
