"""The sales funnel of a pipeline, from the deals' stage history.

A deal reached a working stage when it was ever moved to it or to a later one (stages in
their pipeline's order), so the funnel counts where deals have been, not only where they
are; a won deal reached every working stage. A lost deal is lost at the furthest working
stage it reached. The deals are the readable ones matching a deal filter, so a period is a
filter on ``createdAt`` (a cohort) or ``closedAt``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from models.crm import CrmEntity, Deal, DealStage, DealStageMove, Semantics
from resolvers.context import RequestContext
from resolvers.crm.dictionaries import default_pipeline
from resolvers.crm.filtering import Filter
from resolvers.errors import not_found
from resolvers.reports.grouping import ratio
from resolvers.reports.scope import readable_matching_records, shown, unreadable_stages

# The rule of the deal's stage, which also covers its stage history.
STAGE_RULES = ("stage",)


@dataclass(frozen=True)
class FunnelStage:
    stage_id: int
    reached: int
    # Deals lost after reaching this stage and no later one.
    lost: int
    conversion_to_next: float | None
    conversion_to_won: float | None


@dataclass(frozen=True)
class Funnel:
    pipeline_id: int
    stages: Sequence[FunnelStage]
    deals: int
    won: int
    lost: int
    # Readable deals left out: their stage (and history) is hidden from the viewer.
    excluded: int
    # Stages of the pipeline in which the viewer may read no deal: not counted.
    unreadable_stage_ids: Sequence[int]


async def funnel(ctx: RequestContext, pipeline_id: int | None, filter: Filter) -> Funnel:
    """The funnel of ``pipeline_id`` (None: the default pipeline)."""
    ctx.require_viewer()
    if pipeline_id is None:
        async with ctx.db() as session:
            pipeline_id = (await default_pipeline(session)).id
    stage_shown = await shown(ctx, CrmEntity.DEAL, STAGE_RULES)
    matching = await readable_matching_records(ctx, CrmEntity.DEAL, filter)
    reached = aliased(DealStage)
    furthest = (
        select(func.max(reached.sort))
        .select_from(DealStageMove)
        .join(reached, reached.id == DealStageMove.to_stage_id)
        .where(DealStageMove.deal_id == Deal.id, reached.semantics == Semantics.PROCESS)
        .scalar_subquery()
    )
    rows = (
        select(
            case((stage_shown, furthest), else_=None).label("furthest"),
            case((stage_shown, DealStage.semantics), else_=None).label("semantics"),
            case((stage_shown, 0), else_=1).label("hidden"),
        )
        .select_from(Deal)
        .join(DealStage, DealStage.id == Deal.stage_id)
        .where(Deal.pipeline_id == pipeline_id, matching)
        .subquery("funnel_deals")
    )
    counted = select(rows.c.furthest, rows.c.semantics, rows.c.hidden, func.count()).group_by(
        rows.c.furthest, rows.c.semantics, rows.c.hidden
    )
    stages_of_pipeline = (
        select(DealStage.id, DealStage.sort, DealStage.semantics)
        .where(DealStage.pipeline_id == pipeline_id)
        .order_by(DealStage.sort, DealStage.id)
    )
    async with ctx.db() as session:
        stages = (await session.execute(stages_of_pipeline)).all()
        if not stages:
            raise not_found("Pipeline", pipeline_id, "pipelineId")
        tallies = (await session.execute(counted)).all()
    working = [(stage_id, sort) for stage_id, sort, kind in stages if kind is Semantics.PROCESS]
    unreadable = unreadable_stages(ctx, [stage_id for stage_id, _sort, _kind in stages])
    return funnel_of(pipeline_id, working, tallies, sorted(unreadable))


def funnel_of(
    pipeline_id: int,
    working: Sequence[tuple[int, int]],
    tallies: Sequence[Sequence[Any]],
    unreadable: Sequence[int],
) -> Funnel:
    """The funnel from counts of deals per (furthest working sort reached, current
    semantics, hidden stage)."""
    furthest_of: Counter[int | None] = Counter()
    lost_at: Counter[int | None] = Counter()
    won = lost = excluded = total = 0
    for furthest, semantics, hidden, count in tallies:
        total += count
        if hidden:
            excluded += count
        elif semantics is Semantics.SUCCESS:
            won += count
        else:
            furthest_of[furthest] += count
            if semantics is Semantics.FAILURE:
                lost += count
                lost_at[furthest] += count
    reached = [
        won + sum(n for sort_value, n in furthest_of.items() if _at_or_after(sort_value, sort))
        for _stage_id, sort in working
    ]
    stages = [
        FunnelStage(
            stage_id=stage_id,
            reached=reached[index],
            lost=lost_at[sort],
            conversion_to_next=ratio(reached[index + 1], reached[index])
            if index + 1 < len(working)
            else ratio(won, reached[index]),
            conversion_to_won=ratio(won, reached[index]),
        )
        for index, (stage_id, sort) in enumerate(working)
    ]
    return Funnel(pipeline_id, stages, total - excluded, won, lost, excluded, unreadable)


def _at_or_after(furthest: int | None, sort: int) -> bool:
    return furthest is not None and furthest >= sort
