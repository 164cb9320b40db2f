"""GraphQL for reports: deal analytics, the funnel and lead analytics, thin over
resolvers/reports; their live forms."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from dataclasses import replace
from typing import Annotated

import strawberry

from models.crm import CrmEntity
from resolvers.crm.fields import RECORD_FIELDS
from resolvers.reports import deals as deal_reports
from resolvers.reports import funnel as funnels
from resolvers.reports import leads as lead_reports
from resolvers.reports import tallies
from resolvers.reports.custom_groups import MAX_CUSTOM_DIMENSIONS
from resolvers.reports.deals import DealDimension
from resolvers.reports.grouping import MAX_GROUPS
from resolvers.reports.leads import LeadDimension
from resolvers.reports.live import live_figures
from resolvers.reports.live_watches import deal_report_watch, funnel_watch, lead_report_watch
from resolvers.reports.periods import Period
from schema.context import Info
from schema.crm.deals import DealFilter
from schema.crm.filters import ViewArg, to_filter, with_view
from schema.crm.leads import LeadFilter
from schema.relay import decode_optional_id
from schema.reports.deals import DealReport, deal_report_of, deal_request, selected_names
from schema.reports.funnel import Funnel
from schema.reports.leads import LeadGroup

PipelineId = Annotated[
    strawberry.ID | None, strawberry.argument(description="Default: the default pipeline.")
]
TimeZone = Annotated[str, strawberry.argument(description="An IANA name, e.g. Europe/Moscow.")]
DealFilterArgument = Annotated[
    DealFilter | None,
    strawberry.argument(description="The deals counted: the same filter as `deals`."),
]
LeadFilterArgument = Annotated[
    LeadFilter | None,
    strawberry.argument(description="The leads counted: the same filter as `leads`."),
]
DealGroupBy = Annotated[
    list[DealDimension] | None,
    strawberry.argument(description="Dimensions to group by; none: one group of every deal."),
]
LeadGroupBy = Annotated[
    list[LeadDimension] | None,
    strawberry.argument(description="Dimensions to group by; none: one group of every lead."),
]


def _group_by_custom(noun: str) -> str:
    return (
        f"Custom fields of {noun}s to group by too, by code (`UF_…`; at most "
        f"{MAX_CUSTOM_DIMENSIONS}): ENUMERATION, BOOLEAN, USER, STRING, URL, EMAIL, PHONE (by "
        "value), INTEGER, DATE and DATETIME (by period, of `period` in `timeZone`). A "
        f"{noun} with several values counts in the group of each; one without a value in the "
        "null group; one whose field is hidden from you in a group of its own (`hidden`). "
        "The values are in `key.custom`."
    )


DealGroupByCustom = Annotated[
    list[str] | None, strawberry.argument(description=_group_by_custom("deal"))
]
LeadGroupByCustom = Annotated[
    list[str] | None, strawberry.argument(description=_group_by_custom("lead"))
]
PeriodArgument = Annotated[
    Period, strawberry.argument(description="The length of the period dimensions' periods.")
]


def lead_request(
    filter: LeadFilter | None,
    group_by: list[LeadDimension] | None,
    group_by_custom: list[str] | None,
    period: Period,
    zone: str,
) -> lead_reports.LeadReportRequest:
    return lead_reports.LeadReportRequest(
        filter=to_filter(filter, RECORD_FIELDS[CrmEntity.LEAD]),
        group_by=list(group_by or []),
        group_by_custom=list(group_by_custom or []),
        period=period,
        time_zone=zone,
    )


@strawberry.type
class ReportQueries:
    @strawberry.field(
        description="The funnel of a pipeline over the deals you may read that match "
        "`filter`: a period is a filter on createdAt or closedAt."
    )
    async def funnel(
        self,
        info: Info,
        pipeline_id: PipelineId = None,
        filter: DealFilterArgument = None,
        view: ViewArg = None,
    ) -> Funnel:
        pipeline = decode_optional_id(pipeline_id, "Pipeline", "pipelineId")
        applied = await with_view(info, CrmEntity.DEAL, filter, None, view)
        return Funnel.of(await tallies.funnel(info.context, pipeline, applied.filter))

    @strawberry.field(
        description="Figures over the deals you may read that match `filter` (as `deals`)."
    )
    async def deal_report(
        self,
        info: Info,
        filter: DealFilterArgument = None,
        group_by: DealGroupBy = None,
        period: PeriodArgument = Period.MONTH,
        time_zone: TimeZone = "UTC",
        group_by_custom: DealGroupByCustom = None,
        view: ViewArg = None,
    ) -> DealReport:
        request = deal_request(info, filter, group_by, period, time_zone, group_by_custom)
        applied = await with_view(info, CrmEntity.DEAL, filter, None, view)
        request = replace(request, filter=applied.filter)
        asked = selected_names(info.selected_fields)
        return deal_report_of(await tallies.deal_report(info.context, request, asked))

    @strawberry.field(
        description="Figures over the leads you may read that match `filter` (as `leads`). "
        f"At most {MAX_GROUPS} groups."
    )
    async def lead_report(
        self,
        info: Info,
        filter: LeadFilterArgument = None,
        group_by: LeadGroupBy = None,
        period: PeriodArgument = Period.MONTH,
        time_zone: TimeZone = "UTC",
        group_by_custom: LeadGroupByCustom = None,
        view: ViewArg = None,
    ) -> list[LeadGroup]:
        request = lead_request(filter, group_by, group_by_custom, period, time_zone)
        applied = await with_view(info, CrmEntity.LEAD, filter, None, view)
        request = replace(request, filter=applied.filter)
        return [
            LeadGroup.of(group) for group in await lead_reports.lead_report(info.context, request)
        ]


@strawberry.type
class ReportSubscriptions:
    @strawberry.subscription(
        description="`funnel`, now and again when a deal you see changes (at most about once "
        "a second, only when its figures change)."
    )
    async def funnel_changed(
        self, info: Info, pipeline_id: PipelineId = None, filter: DealFilterArgument = None
    ) -> AsyncGenerator[Funnel, None]:
        pipeline = decode_optional_id(pipeline_id, "Pipeline", "pipelineId")
        deal_filter = to_filter(filter, RECORD_FIELDS[CrmEntity.DEAL])

        async def compute() -> funnels.Funnel:
            return await funnels.funnel(info.context, pipeline, deal_filter)

        async for figures in live_figures(info.context, compute, funnel_watch(pipeline)):
            yield Funnel.of(figures)

    @strawberry.subscription(
        description="`dealReport`, now and again when a deal you see changes, or, grouped by "
        "SOURCE or COMPANY, a lead or company you see (at most about once a second, only "
        "when its figures change)."
    )
    async def deal_report_changed(
        self,
        info: Info,
        filter: DealFilterArgument = None,
        group_by: DealGroupBy = None,
        period: PeriodArgument = Period.MONTH,
        time_zone: TimeZone = "UTC",
        group_by_custom: DealGroupByCustom = None,
    ) -> AsyncGenerator[DealReport, None]:
        request = deal_request(info, filter, group_by, period, time_zone, group_by_custom)

        async def compute() -> deal_reports.DealReport:
            return await deal_reports.deal_report(info.context, request)

        watch_of = deal_report_watch(request.group_by)
        async for figures in live_figures(info.context, compute, watch_of):
            yield deal_report_of(figures)

    @strawberry.subscription(
        description="`leadReport`, now and again when a lead you see is created, changed, "
        "converted, reassigned or deleted (at most about once a second, only when its "
        f"figures change). At most {MAX_GROUPS} groups."
    )
    async def lead_report_changed(
        self,
        info: Info,
        filter: LeadFilterArgument = None,
        group_by: LeadGroupBy = None,
        period: PeriodArgument = Period.MONTH,
        time_zone: TimeZone = "UTC",
        group_by_custom: LeadGroupByCustom = None,
    ) -> AsyncGenerator[list[LeadGroup], None]:
        request = lead_request(filter, group_by, group_by_custom, period, time_zone)

        async def compute() -> Sequence[lead_reports.LeadGroup]:
            return await lead_reports.lead_report(info.context, request)

        async for figures in live_figures(info.context, compute, lead_report_watch):
            yield [LeadGroup.of(group) for group in figures]
