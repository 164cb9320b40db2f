"""Average time in each stage, from the deals' stage history.

A deal's stay in a stage runs from a move into it to the deal's next move. Only stays that
ended count: the stage a deal is in now is not measured, since that figure would grow with
the clock (a report recomputed a second later would differ, and a live dashboard would never
settle) and a won or lost deal never leaves its stage. A deal that entered a stage more than
once spent the sum of its stays there, so each stage's average is per deal, not per stay.
The history tells the stages a deal went through: it is shown where the deal's stage is, so
a deal whose stage is hidden from the viewer is left out (and counted by the caller).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from models.crm import DealStageMove
from resolvers.reports.grouping import Dimension, raw_key
from resolvers.reports.periods import seconds_between


@dataclass(frozen=True)
class StageTime:
    stage_id: int
    # The mean over ``deals`` of the seconds each spent in the stage, its stays added.
    average_seconds: float
    deals: int


def stage_times(
    rows: Any, keys: Sequence[ColumnElement[Any]], hidden: ColumnElement[Any]
) -> Select[Any]:
    """Per group of ``keys`` and stage: the average seconds the deals of ``rows`` (with a
    ``deal_id`` column) spent there, and how many deals; ``hidden`` (1 on a row) leaves the
    row's deal out. The history is read for the measured deals only."""
    measured = select(rows.c.deal_id).where(hidden == 0)
    moves = DealStageMove
    stays = (
        select(
            moves.deal_id,
            moves.to_stage_id.label("stage_id"),
            seconds_between(
                moves.moved_at,
                func.lead(moves.moved_at).over(
                    partition_by=moves.deal_id, order_by=(moves.moved_at, moves.id)
                ),
            ).label("seconds"),
        )
        .where(moves.deal_id.in_(measured))
        .subquery("stays")
    )
    per_deal = (
        select(*keys, stays.c.stage_id, func.sum(stays.c.seconds).label("spent"))
        .select_from(rows.join(stays, stays.c.deal_id == rows.c.deal_id))
        .where(hidden == 0, stays.c.seconds.is_not(None), stays.c.stage_id.is_not(None))
        .group_by(*keys, stays.c.stage_id, rows.c.deal_id)
        .subquery("per_deal")
    )
    per_deal_keys = [per_deal.c[str(key.key)] for key in keys]
    return select(
        *per_deal_keys, per_deal.c.stage_id, func.avg(per_deal.c.spent), func.count()
    ).group_by(*per_deal_keys, per_deal.c.stage_id)


def stage_times_by_key(
    dimensions: Sequence[Dimension], found: Sequence[Any], stage_order: Mapping[int, int]
) -> dict[tuple[Hashable, ...], list[StageTime]]:
    """The rows of ``stage_times`` per group key, each group's stages in ``stage_order``."""
    width = 2 * len(dimensions)
    by_key: dict[tuple[Hashable, ...], list[StageTime]] = {}
    for row in found:
        stage_id, average, deals = row[width:]
        by_key.setdefault(raw_key(dimensions, row), []).append(
            StageTime(stage_id=stage_id, average_seconds=float(average), deals=int(deals))
        )
    for times in by_key.values():
        times.sort(key=lambda time: (stage_order.get(time.stage_id, 0), time.stage_id))
    return by_key
