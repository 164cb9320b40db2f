"""GraphQL for team activity ("company pulse"): per user, department and period."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import date, datetime
from typing import Annotated

import strawberry

from models.crm import ActivityKind
from resolvers.reports import pulse as pulses
from resolvers.reports.grouping import MAX_GROUPS
from resolvers.reports.live import live_figures
from resolvers.reports.live_watches import pulse_watch
from resolvers.reports.periods import Period
from resolvers.reports.pulse import PulseDimension
from schema.context import Info
from schema.crm import activities as _activities  # noqa: F401 (registers ActivityKind)
from schema.enums import described_enum
from schema.relay import decode_optional_id, encode_id
from schema.reports import deals as _deals  # noqa: F401 (registers ReportPeriod)
from schema.reports.common import key_day, key_id

described_enum(
    PulseDimension,
    "What team activity is grouped by.",
    {
        PulseDimension.USER: "The user each figure is about (see `PulseGroup`).",
        PulseDimension.DEPARTMENT: "That user's department.",
        PulseDimension.PERIOD: "The period of `period`, in `timeZone`, of each fact's moment.",
    },
    name="PulseDimension",
)


@strawberry.type(description="A group's value in each dimension it is grouped by.")
class PulseGroupKey:
    user_id: strawberry.ID | None = strawberry.field(
        description="The User; null when grouped by USER: facts of no user (an activity "
        "nobody is responsible for), or not grouped by USER."
    )
    department_id: strawberry.ID | None = strawberry.field(
        description="The Department; null: users in none, or not grouped by DEPARTMENT."
    )
    period_start: date | None = strawberry.field(
        description="The period's first day, in `timeZone`; null unless grouped by PERIOD."
    )


@strawberry.type(description="How many activities of one kind.")
class ActivityKindCount:
    kind: ActivityKind = strawberry.field(description="The kind.")
    count: int = strawberry.field(description="Activities of the kind created.")


@strawberry.type(
    description="What the users of a group did. Each fact counts for one user at one moment: "
    "an activity for its responsible when created (completed: when completed), a task for "
    "its creator when created, for its responsible when completed and when due (overdue), "
    "a post, comment or like for who made it, a won deal for its responsible when closed."
)
class PulseGroup:
    key: PulseGroupKey = strawberry.field(description="What the group's facts share.")
    activities: list[ActivityKindCount] = strawberry.field(
        description="Activities created, per kind (every kind, zeros included), on records "
        "you may read."
    )
    activities_completed: int = strawberry.field(
        description="Activities completed, on records you may read."
    )
    tasks_created: int = strawberry.field(description="Tasks you see, created.")
    tasks_completed: int = strawberry.field(description="Tasks you see, completed.")
    tasks_overdue: int = strawberry.field(
        description="Tasks you see past their deadline and not finished now, by deadline."
    )
    posts: int = strawberry.field(description="Posts you see.")
    comments: int = strawberry.field(description="Comments on posts you see.")
    likes: int = strawberry.field(description="Likes of posts you see.")
    deals_won: int = strawberry.field(
        description="Deals you may read won, whose stage and closing time (and responsible, "
        "when grouped by user or department) you see; see `dealsWonExcluded`."
    )

    @classmethod
    def of(cls, group: pulses.PulseGroup) -> PulseGroup:
        key = group.key
        return cls(
            key=PulseGroupKey(
                user_id=key_id(key, PulseDimension.USER.value, "User"),
                department_id=key_id(key, PulseDimension.DEPARTMENT.value, "Department"),
                period_start=key_day(key, PulseDimension.PERIOD.value),
            ),
            activities=[
                ActivityKindCount(kind=kind, count=count)
                for kind, count in group.activities.items()
            ],
            activities_completed=group.activities_completed,
            tasks_created=group.tasks_created,
            tasks_completed=group.tasks_completed,
            tasks_overdue=group.tasks_overdue,
            posts=group.posts,
            comments=group.comments,
            likes=group.likes,
            deals_won=group.deals_won,
        )


@strawberry.type(description="Team activity, whole (no `groupBy`) or per group.")
class Pulse:
    groups: list[PulseGroup] = strawberry.field(
        description=f"At most {MAX_GROUPS}; more answer BAD_USER_INPUT on `groupBy`."
    )
    deals_won_excluded: int = strawberry.field(
        description="Deals you may read that may be won in the report's scope, left out of "
        "`dealsWon`: their stage, closing time or (placing them) responsible is hidden from "
        "you."
    )
    unreadable_won_stage_ids: list[strawberry.ID] = strawberry.field(
        description="Won stages in which you may read no deal: `dealsWon` cannot count them."
    )

    @classmethod
    def of(cls, report: pulses.Pulse) -> Pulse:
        return cls(
            groups=[PulseGroup.of(group) for group in report.groups],
            deals_won_excluded=report.deals_won_excluded,
            unreadable_won_stage_ids=[
                encode_id("DealStage", pk) for pk in report.unreadable_won_stage_ids
            ],
        )


PulseGroupBy = Annotated[
    list[PulseDimension],
    strawberry.argument(description="Dimensions to group by; empty: one group of everything."),
]
PeriodArgument = Annotated[
    Period, strawberry.argument(description="The length of the PERIOD dimension's periods.")
]
TimeZone = Annotated[str, strawberry.argument(description="An IANA name, e.g. Europe/Moscow.")]
From = Annotated[
    datetime | None,
    strawberry.argument(name="from", description="Facts at or after this moment (with a zone)."),
]
To = Annotated[
    datetime | None,
    strawberry.argument(description="Facts before this moment (with a zone); not before `from`."),
]
DepartmentId = Annotated[
    strawberry.ID | None,
    strawberry.argument(description="Only the users of this department and those below it."),
]


@strawberry.type
class PulseQueries:
    @strawberry.field(
        description="Team activity (company pulse): what users did, per user, department "
        "and period, counting only what you may see."
    )
    async def pulse(
        self,
        info: Info,
        group_by: PulseGroupBy,
        period: PeriodArgument = Period.MONTH,
        time_zone: TimeZone = "UTC",
        start: From = None,
        to: To = None,
        department_id: DepartmentId = None,
    ) -> Pulse:
        request = pulse_request(group_by, period, time_zone, start, to, department_id)
        return Pulse.of(await pulses.pulse(info.context, request))


@strawberry.type
class PulseSubscriptions:
    @strawberry.subscription(
        description="`pulse`, now and again when something it counts changes on records you "
        "see: an activity, a task (created, completed, overdue), a post, comment or like, a "
        "deal (at most about once a second, only when its figures change)."
    )
    async def pulse_changed(
        self,
        info: Info,
        group_by: PulseGroupBy,
        period: PeriodArgument = Period.MONTH,
        time_zone: TimeZone = "UTC",
        start: From = None,
        to: To = None,
        department_id: DepartmentId = None,
    ) -> AsyncGenerator[Pulse, None]:
        request = pulse_request(group_by, period, time_zone, start, to, department_id)

        async def compute() -> pulses.Pulse:
            return await pulses.pulse(info.context, request)

        async for figures in live_figures(info.context, compute, pulse_watch):
            yield Pulse.of(figures)


def pulse_request(
    group_by: list[PulseDimension],
    period: Period,
    zone: str,
    start: datetime | None,
    end: datetime | None,
    department_id: strawberry.ID | None,
) -> pulses.PulseRequest:
    return pulses.PulseRequest(
        group_by=list(group_by),
        period=period,
        time_zone=zone,
        start=start,
        end=end,
        department_id=decode_optional_id(department_id, "Department", "departmentId"),
    )
