"""GraphQL for reports: deal analytics and the funnel, thin over resolvers/reports."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import date
from decimal import Decimal
from typing import Annotated

import strawberry

from models.crm import Semantics
from resolvers.crm.fields import DEAL_FIELDS
from resolvers.reports import deals as deal_reports
from resolvers.reports import funnel as funnels
from resolvers.reports.deals import DealDimension
from resolvers.reports.grouping import MAX_GROUPS, GroupKey
from resolvers.reports.live import live_figures
from resolvers.reports.periods import Period
from schema.context import Info
from schema.crm.deals import DealFilter
from schema.crm.filters import to_filter
from schema.relay import decode_optional_id, encode_id

strawberry.enum(Period, name="ReportPeriod")
strawberry.enum(
    DealDimension,
    name="DealDimension",
    description="What deal figures are grouped by; a period is of `period`, in `timeZone`.",
)

# Which node type each ID-valued dimension names.
_ID_TYPES = {
    DealDimension.STAGE.value: "DealStage",
    DealDimension.PIPELINE.value: "Pipeline",
    DealDimension.RESPONSIBLE.value: "User",
    DealDimension.DEPARTMENT.value: "Department",
    DealDimension.COMPANY.value: "Company",
}


def _id(key: GroupKey, dimension: DealDimension) -> strawberry.ID | None:
    value = key.values.get(dimension.value)
    return None if value is None else encode_id(_ID_TYPES[dimension.value], value)


def _day(key: GroupKey, dimension: DealDimension) -> date | None:
    value = key.values.get(dimension.value)
    return None if value is None else date.fromisoformat(value)


@strawberry.type(
    description="A group's value in each dimension it is grouped by. Null: the deals have "
    "none (no company, not closed), or the dimension is in `hidden`."
)
class DealGroupKey:
    stage_id: strawberry.ID | None
    pipeline_id: strawberry.ID | None
    semantics: Semantics | None
    responsible_id: strawberry.ID | None
    department_id: strawberry.ID | None
    company_id: strawberry.ID | None
    created_period: date | None = strawberry.field(description="The period's first day.")
    closed_period: date | None = strawberry.field(description="The period's first day.")
    hidden: list[DealDimension] = strawberry.field(
        description="Dimensions hidden from you on these deals: their value is not given."
    )

    @classmethod
    def of(cls, key: GroupKey) -> DealGroupKey:
        semantics = key.values.get(DealDimension.SEMANTICS.value)
        return cls(
            stage_id=_id(key, DealDimension.STAGE),
            pipeline_id=_id(key, DealDimension.PIPELINE),
            semantics=None if semantics is None else Semantics(semantics),
            responsible_id=_id(key, DealDimension.RESPONSIBLE),
            department_id=_id(key, DealDimension.DEPARTMENT),
            company_id=_id(key, DealDimension.COMPANY),
            created_period=_day(key, DealDimension.CREATED_PERIOD),
            closed_period=_day(key, DealDimension.CLOSED_PERIOD),
            hidden=sorted(
                (DealDimension(name) for name in key.hidden), key=lambda item: item.value
            ),
        )


@strawberry.type(description="Amounts in one currency: never added to another currency's.")
class CurrencyFigures:
    currency: str
    count: int
    sum: Decimal
    average: Decimal
    min: Decimal
    max: Decimal
    weighted_sum: Decimal = strawberry.field(
        description="Each amount times its probability (none: 0%)."
    )
    weighted_excluded: int = strawberry.field(
        description="Deals left out of `weightedSum`: their probability is hidden from you."
    )


@strawberry.type(description="From creation to closing, over the group's closed deals.")
class CycleTime:
    average_seconds: float | None
    median_seconds: float | None
    count: int
    excluded: int = strawberry.field(
        description="Deals left out: their creation or closing time is hidden from you."
    )


@strawberry.type
class DealGroup:
    key: DealGroupKey
    count: int
    amounts: list[CurrencyFigures] = strawberry.field(
        description="Per currency, over the deals whose amount you may read."
    )
    amounts_excluded: int = strawberry.field(
        description="Deals left out of `amounts`: their amount is hidden from you."
    )
    won: int
    lost: int
    win_rate: float | None = strawberry.field(
        description="won / (won + lost). Null when none is closed, or when you may read no "
        "deal of some closing stage (see `unreadableStageIds`)."
    )
    outcome_excluded: int = strawberry.field(
        description="Deals left out of won, lost and winRate: their stage is hidden from you."
    )
    cycle_time: CycleTime

    @classmethod
    def of(cls, group: deal_reports.DealGroup) -> DealGroup:
        cycle = group.cycle_time
        return cls(
            key=DealGroupKey.of(group.key),
            count=group.count,
            amounts=[
                CurrencyFigures(
                    currency=item.currency,
                    count=item.count,
                    sum=item.sum,
                    average=item.average,
                    min=item.minimum,
                    max=item.maximum,
                    weighted_sum=item.weighted_sum,
                    weighted_excluded=item.weighted_excluded,
                )
                for item in group.amounts
            ],
            amounts_excluded=group.amounts_excluded,
            won=group.won,
            lost=group.lost,
            win_rate=group.win_rate,
            outcome_excluded=group.outcome_excluded,
            cycle_time=CycleTime(
                average_seconds=cycle.average_seconds,
                median_seconds=cycle.median_seconds,
                count=cycle.count,
                excluded=cycle.excluded,
            ),
        )


@strawberry.type
class DealReport:
    groups: list[DealGroup] = strawberry.field(
        description=f"At most {MAX_GROUPS}; more answer BAD_USER_INPUT on `groupBy`."
    )
    unreadable_stage_ids: list[strawberry.ID] = strawberry.field(
        description="Stages in which you may read no deal: no figure counts their deals."
    )


@strawberry.type
class FunnelStage:
    stage_id: strawberry.ID
    reached: int = strawberry.field(
        description="Deals that were ever in this stage or a later one (won: every one)."
    )
    lost: int = strawberry.field(description="Deals lost after this stage and no later one.")
    conversion_to_next: float | None = strawberry.field(
        description="reached(next stage) / reached; for the last stage: won / reached."
    )
    conversion_to_won: float | None


@strawberry.type(description="Where the deals of a pipeline have been, over its working stages.")
class Funnel:
    pipeline_id: strawberry.ID
    stages: list[FunnelStage]
    deals: int
    won: int
    lost: int
    excluded: int = strawberry.field(
        description="Deals you may read but not their stage: left out of every figure."
    )

    @classmethod
    def of(cls, funnel: funnels.Funnel) -> Funnel:
        return cls(
            pipeline_id=encode_id("Pipeline", funnel.pipeline_id),
            stages=[
                FunnelStage(
                    stage_id=encode_id("DealStage", stage.stage_id),
                    reached=stage.reached,
                    lost=stage.lost,
                    conversion_to_next=stage.conversion_to_next,
                    conversion_to_won=stage.conversion_to_won,
                )
                for stage in funnel.stages
            ],
            deals=funnel.deals,
            won=funnel.won,
            lost=funnel.lost,
            excluded=funnel.excluded,
        )


def _deal_request(
    filter: DealFilter | None, group_by: list[DealDimension] | None, period: Period, zone: str
) -> deal_reports.DealReportRequest:
    return deal_reports.DealReportRequest(
        filter=to_filter(filter, DEAL_FIELDS),
        group_by=list(group_by or []),
        period=period,
        time_zone=zone,
    )


def _deal_report(report: deal_reports.DealReport) -> DealReport:
    return DealReport(
        groups=[DealGroup.of(group) for group in report.groups],
        unreadable_stage_ids=[encode_id("DealStage", pk) for pk in report.unreadable_stage_ids],
    )


PipelineId = Annotated[
    strawberry.ID | None, strawberry.argument(description="Default: the default pipeline.")
]
TimeZone = Annotated[str, strawberry.argument(description="An IANA name, e.g. Europe/Moscow.")]


@strawberry.type
class ReportQueries:
    @strawberry.field(
        description="The funnel of a pipeline over the deals you may read that match "
        "`filter`: a period is a filter on createdAt or closedAt."
    )
    async def funnel(
        self, info: Info, pipeline_id: PipelineId = None, filter: DealFilter | None = None
    ) -> Funnel:
        pipeline = decode_optional_id(pipeline_id, "Pipeline", "pipelineId")
        return Funnel.of(
            await funnels.funnel(info.context, pipeline, to_filter(filter, DEAL_FIELDS))
        )

    @strawberry.field(
        description="Figures over the deals you may read that match `filter` (as `deals`)."
    )
    async def deal_report(
        self,
        info: Info,
        filter: DealFilter | None = None,
        group_by: list[DealDimension] | None = None,
        period: Period = Period.MONTH,
        time_zone: TimeZone = "UTC",
    ) -> DealReport:
        request = _deal_request(filter, group_by, period, time_zone)
        return _deal_report(await deal_reports.deal_report(info.context, request))


@strawberry.type
class ReportSubscriptions:
    @strawberry.subscription(
        description="`funnel`, now and again when a deal you see changes (at most about once "
        "a second, only when its figures change)."
    )
    async def funnel_changed(
        self, info: Info, pipeline_id: PipelineId = None, filter: DealFilter | None = None
    ) -> AsyncGenerator[Funnel, None]:
        pipeline = decode_optional_id(pipeline_id, "Pipeline", "pipelineId")
        deal_filter = to_filter(filter, DEAL_FIELDS)

        async def compute() -> funnels.Funnel:
            return await funnels.funnel(info.context, pipeline, deal_filter)

        async for figures in live_figures(info.context, compute, pipeline):
            yield Funnel.of(figures)

    @strawberry.subscription(
        description="`dealReport`, now and again when a deal you see changes (at most about "
        "once a second, only when its figures change)."
    )
    async def deal_report_changed(
        self,
        info: Info,
        filter: DealFilter | None = None,
        group_by: list[DealDimension] | None = None,
        period: Period = Period.MONTH,
        time_zone: TimeZone = "UTC",
    ) -> AsyncGenerator[DealReport, None]:
        request = _deal_request(filter, group_by, period, time_zone)

        async def compute() -> deal_reports.DealReport:
            return await deal_reports.deal_report(info.context, request)

        async for figures in live_figures(info.context, compute):
            yield _deal_report(figures)
