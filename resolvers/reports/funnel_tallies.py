"""The funnel from the funnel tallies per department (models/crm/funnel_tallies.py), for a
funnel the deal tallies would serve (tallies.py) whose filter tests only stage, pipeline
and opened.

The deals the viewer may read are those a level admits by their responsible's department,
``opened`` flag and stage (``CompiledPolicy.filter_by_department``: read from the tallies
per department), and the viewer's own deals that none of those admits (read from the
viewer's deal tallies): the two sets are disjoint, and together are what the READ filter
admits, since each level's filter is "own, or judged by department and opened". A viewer
who reads a subtree or every opened deal sums a few rows per department, not a few per
user.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import ColumnElement, CompoundSelect, SQLColumnExpression, and_, func, not_, select
from sqlalchemy.orm import aliased

from auth.policy.entities import RecordColumns
from models import AccessAction, User
from models.crm import CrmEntity, DealStage, DealTally
from models.crm.funnel_tallies import DealFunnelTally
from resolvers.context import RequestContext
from resolvers.crm.fields import RECORD_FIELDS
from resolvers.crm.filtering import Fields, Filter, filtered_fields, searches, where
from resolvers.reports.scope import readable_matching_deals

# The deal fields a filter may test on the funnel tallies, as their (or their stage's)
# columns; the same fields on the deal tallies, for the viewer's own deals.
_FUNNEL_COLUMNS: dict[str, SQLColumnExpression[Any]] = {
    "stageId": DealFunnelTally.stage_id,
    "pipelineId": DealStage.pipeline_id,
    "opened": DealFunnelTally.opened,
}
_OWN_COLUMNS: dict[str, SQLColumnExpression[Any]] = {
    "stageId": DealTally.stage_id,
    "pipelineId": DealStage.pipeline_id,
    "opened": DealTally.opened,
}
_DEAL_FIELDS = RECORD_FIELDS[CrmEntity.DEAL]


def _fields(columns: dict[str, SQLColumnExpression[Any]], pk: Any) -> Fields:
    return Fields(
        by_name={
            name: dataclasses.replace(_DEAL_FIELDS.by_name[name], column=column)
            for name, column in columns.items()
        },
        pk=pk,
        search=_DEAL_FIELDS.search,
        default_order=(),
        entity=CrmEntity.DEAL,
    )


_FUNNEL_FIELDS = _fields(_FUNNEL_COLUMNS, DealFunnelTally.stage_id)
_OWN_FIELDS = _fields(_OWN_COLUMNS, DealTally.stage_id)


def servable(filter: Filter) -> bool:
    """Whether the funnel tallies answer a funnel with ``filter`` (the deal tallies being
    able to: the caller has checked hidden fields)."""
    return not searches(filter) and filtered_fields(filter) <= set(_FUNNEL_COLUMNS)


def counts(ctx: RequestContext, pipeline_id: int, filter: Filter) -> CompoundSelect[Any]:
    """Deal counts per (furthest working sort reached, current semantics) of the readable
    deals of ``pipeline_id`` matching ``filter``, in rows that may repeat a key (funnel.py's
    ``funnel_of`` adds them up)."""
    # The deals' own condition, built for its checks and errors: the same answers as the
    # row path.
    readable_matching_deals(ctx, filter)
    policy = ctx.require_policy()
    viewer = ctx.require_viewer()
    furthest = aliased(DealStage)
    by_department = policy.filter_by_department(
        CrmEntity.DEAL,
        AccessAction.READ,
        DealFunnelTally.stage_id,
        DealFunnelTally.department_id,
        DealFunnelTally.opened,
    )
    departments = (
        select(furthest.sort, DealStage.semantics, func.sum(DealFunnelTally.deals))
        .select_from(DealFunnelTally)
        .join(DealStage, DealStage.id == DealFunnelTally.stage_id)
        .outerjoin(furthest, furthest.id == DealFunnelTally.furthest_stage_id)
        .where(
            DealStage.pipeline_id == pipeline_id,
            by_department,
            where(_FUNNEL_FIELDS, filter),
        )
        .group_by(furthest.sort, DealStage.semantics)
    )
    own_furthest = aliased(DealStage)
    own = (
        select(own_furthest.sort, DealStage.semantics, func.sum(DealTally.deals))
        .select_from(DealTally)
        .join(DealStage, DealStage.id == DealTally.stage_id)
        .outerjoin(own_furthest, own_furthest.id == DealTally.furthest_stage_id)
        .where(
            DealTally.responsible_id == viewer.user_id,
            DealStage.pipeline_id == pipeline_id,
            _own_left_out(ctx),
            where(_OWN_FIELDS, filter),
        )
        .group_by(own_furthest.sort, DealStage.semantics)
    )
    return departments.union_all(own)


def _own_left_out(ctx: RequestContext) -> ColumnElement[bool]:
    """The viewer's own deal tallies the READ filter admits and the departments' part does
    not: judged by the department the viewer is in now, as the funnel tallies count them."""
    policy = ctx.require_policy()
    viewer = ctx.require_viewer()
    department = func.coalesce(
        select(User.department_id).where(User.id == viewer.user_id).scalar_subquery(), 0
    )
    columns = RecordColumns(DealTally.responsible_id, DealTally.opened, DealTally.stage_id)
    return and_(
        policy.read_filter(CrmEntity.DEAL, columns, bulk=True),
        not_(
            policy.filter_by_department(
                CrmEntity.DEAL,
                AccessAction.READ,
                DealTally.stage_id,
                department,
                DealTally.opened,
            )
        ),
    )
