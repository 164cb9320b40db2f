"""GraphQL for deal analytics: groups of deals and their figures."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

import strawberry
from strawberry.types.nodes import SelectedField, Selection

from models.crm import CrmEntity, Semantics
from resolvers.crm.fields import RECORD_FIELDS
from resolvers.reports import deals as deal_reports
from resolvers.reports.deals import DealDimension
from resolvers.reports.grouping import MAX_GROUPS, GroupKey
from resolvers.reports.periods import Period
from schema.context import Info
from schema.crm.deals import DealFilter
from schema.crm.filters import to_filter
from schema.enums import described_enum
from schema.relay import encode_id
from schema.reports.common import CustomGroupValue, Durations, custom_keys, key_day, key_id

described_enum(
    Period,
    "How long a period of a report is; weeks begin on Monday, in the report's `timeZone`.",
    {
        Period.DAY: "A calendar day.",
        Period.WEEK: "An ISO week, Monday to Sunday.",
        Period.MONTH: "A calendar month.",
        Period.QUARTER: "A calendar quarter: January, April, July, October.",
        Period.YEAR: "A calendar year.",
    },
    name="ReportPeriod",
)
described_enum(
    DealDimension,
    "What deal figures are grouped by; a period is of `period`, in `timeZone`.",
    {
        DealDimension.STAGE: "The deal's current stage.",
        DealDimension.PIPELINE: "The deal's pipeline.",
        DealDimension.SEMANTICS: "Working, won or lost.",
        DealDimension.RESPONSIBLE: "The user responsible for the deal.",
        DealDimension.DEPARTMENT: "The responsible user's department.",
        DealDimension.COMPANY: "The deal's company, where `Deal.company` shows it to you.",
        DealDimension.CREATED_PERIOD: "The period the deal was created in.",
        DealDimension.CLOSED_PERIOD: "The period the deal was won or lost in.",
        DealDimension.SOURCE: "The source of the lead the deal was converted from, where "
        "`Deal.sourceLead` shows you the lead; hidden where the lead hides its source.",
        DealDimension.STAGE_ENTERED_PERIOD: "The period the deal last entered the stage "
        "it is in, from its stage history.",
    },
    name="DealDimension",
)


@strawberry.type(
    description="A group's value in each dimension it is grouped by. Null: the deals have "
    "none (no company, not closed), or the dimension is in `hidden`."
)
class DealGroupKey:
    stage_id: strawberry.ID | None = strawberry.field(description="The DealStage.")
    pipeline_id: strawberry.ID | None = strawberry.field(description="The Pipeline.")
    semantics: Semantics | None = strawberry.field(description="Working, won or lost.")
    responsible_id: strawberry.ID | None = strawberry.field(description="The User.")
    department_id: strawberry.ID | None = strawberry.field(description="The Department.")
    company_id: strawberry.ID | None = strawberry.field(
        description="The Company. Null: no company you may see (as `Deal.company`)."
    )
    created_period: date | None = strawberry.field(description="The period's first day.")
    closed_period: date | None = strawberry.field(description="The period's first day.")
    source_id: strawberry.ID | None = strawberry.field(
        description="The LeadSource. Null: no source lead you may see (as "
        "`Deal.sourceLead`), or a lead without a source."
    )
    stage_entered_period: date | None = strawberry.field(description="The period's first day.")
    hidden: list[DealDimension] = strawberry.field(
        description="Dimensions hidden from you on these deals: their value is not given."
    )
    custom: list[CustomGroupValue] = strawberry.field(
        description="The group's value in each field of `groupByCustom`, in that order."
    )

    @classmethod
    def of(cls, key: GroupKey) -> DealGroupKey:
        semantics = key.values.get(DealDimension.SEMANTICS.value)
        return cls(
            stage_id=key_id(key, DealDimension.STAGE.value, "DealStage"),
            pipeline_id=key_id(key, DealDimension.PIPELINE.value, "Pipeline"),
            semantics=None if semantics is None else Semantics(semantics),
            responsible_id=key_id(key, DealDimension.RESPONSIBLE.value, "User"),
            department_id=key_id(key, DealDimension.DEPARTMENT.value, "Department"),
            company_id=key_id(key, DealDimension.COMPANY.value, "Company"),
            created_period=key_day(key, DealDimension.CREATED_PERIOD.value),
            closed_period=key_day(key, DealDimension.CLOSED_PERIOD.value),
            source_id=key_id(key, DealDimension.SOURCE.value, "LeadSource"),
            stage_entered_period=key_day(key, DealDimension.STAGE_ENTERED_PERIOD.value),
            hidden=sorted(
                (DealDimension(name) for name in key.hidden if name not in key.kinds),
                key=lambda item: item.value,
            ),
            custom=custom_keys(key),
        )


@strawberry.type(description="Amounts in one currency: never added to another currency's.")
class CurrencyFigures:
    currency: str = strawberry.field(description="ISO 4217 code.")
    count: int = strawberry.field(description="Deals with an amount in this currency.")
    sum: Decimal = strawberry.field(description="Their amounts added.")
    average: Decimal = strawberry.field(description="sum / count.")
    min: Decimal = strawberry.field(description="The smallest amount.")
    max: Decimal = strawberry.field(description="The largest amount.")
    weighted_sum: Decimal = strawberry.field(
        description="Each amount times its probability (none: 0%)."
    )
    weighted_excluded: int = strawberry.field(
        description="Deals left out of `weightedSum`: their probability is hidden from you."
    )


@strawberry.type(
    description="How long the deals of a group stayed in one stage, from their stage "
    "history: a stay lasts from a move into the stage to the next move. Only finished stays "
    "count; the stage a deal is in now is not measured."
)
class StageTime:
    stage_id: strawberry.ID = strawberry.field(description="The DealStage.")
    average_seconds: float = strawberry.field(
        description="The mean over `deals` of the seconds each spent in the stage (a deal "
        "that came back to it: its stays added)."
    )
    deals: int = strawberry.field(description="Deals that stayed in the stage and left it.")


@strawberry.type(description="The deals that share a value in each `groupBy` dimension.")
class DealGroup:
    key: DealGroupKey = strawberry.field(description="What the group's deals share.")
    count: int = strawberry.field(description="Deals in the group.")
    amounts: list[CurrencyFigures] = strawberry.field(
        description="Per currency, over the deals whose amount you may read."
    )
    amounts_excluded: int = strawberry.field(
        description="Deals left out of `amounts`: their amount is hidden from you."
    )
    won: int = strawberry.field(description="Deals of the group that are won.")
    lost: int = strawberry.field(description="Deals of the group that are lost.")
    win_rate: float | None = strawberry.field(
        description="won / (won + lost). Null when none is closed, or when you may read no "
        "deal of some closing stage (see `unreadableStageIds`)."
    )
    outcome_excluded: int = strawberry.field(
        description="Deals left out of won, lost and winRate: their stage is hidden from you."
    )
    cycle_time: Durations = strawberry.field(
        description="From creation to closing, over the group's closed deals."
    )
    time_in_stages: list[StageTime] = strawberry.field(
        description="Per stage the group's deals left, in pipeline order."
    )
    time_in_stages_excluded: int = strawberry.field(
        description="Deals left out of `timeInStages`: their stage (and its history) is "
        "hidden from you."
    )

    @classmethod
    def of(cls, group: deal_reports.DealGroup) -> DealGroup:
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
            cycle_time=Durations.of(group.cycle_time),
            time_in_stages=[
                StageTime(
                    stage_id=encode_id("DealStage", time.stage_id),
                    average_seconds=time.average_seconds,
                    deals=time.deals,
                )
                for time in group.time_in_stages
            ],
            time_in_stages_excluded=group.time_in_stages_excluded,
        )


@strawberry.type(description="Deal figures, whole (no `groupBy`) or per group.")
class DealReport:
    groups: list[DealGroup] = strawberry.field(
        description=f"At most {MAX_GROUPS}; more answer BAD_USER_INPUT on `groupBy`."
    )
    unreadable_stage_ids: list[strawberry.ID] = strawberry.field(
        description="Stages in which you may read no deal: no figure counts their deals."
    )


def deal_request(
    info: Info,
    filter: DealFilter | None,
    group_by: list[DealDimension] | None,
    period: Period,
    zone: str,
    group_by_custom: list[str] | None = None,
) -> deal_reports.DealReportRequest:
    asked = selected_names(info.selected_fields)
    return deal_reports.DealReportRequest(
        filter=to_filter(filter, RECORD_FIELDS[CrmEntity.DEAL]),
        group_by=list(group_by or []),
        group_by_custom=list(group_by_custom or []),
        period=period,
        time_zone=zone,
        amounts="amounts" in asked,
        medians="medianSeconds" in asked,
        stage_times="timeInStages" in asked,
    )


def selected_names(selections: Iterable[Selection]) -> set[str]:
    """Every field name selected at any depth, fragments included."""
    names: set[str] = set()
    for selection in selections:
        if isinstance(selection, SelectedField):
            names.add(selection.name)
        names |= selected_names(selection.selections)
    return names


def deal_report_of(report: deal_reports.DealReport) -> DealReport:
    return DealReport(
        groups=[DealGroup.of(group) for group in report.groups],
        unreadable_stage_ids=[encode_id("DealStage", pk) for pk in report.unreadable_stage_ids],
    )
