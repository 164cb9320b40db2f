"""Team activity ("company pulse"): what each user and department did, per period.

Every figure is a count of facts, each attributed to one user at one moment:

| figure | a fact is | user | moment |
|---|---|---|---|
| activities (per kind) | an activity | its responsible | created |
| activities completed | a completed activity | its responsible | completed |
| tasks created | a task | its creator | created |
| tasks completed | a task with status COMPLETED | its responsible | closed |
| tasks overdue | a task overdue now | its responsible | its deadline |
| posts, comments, likes | a post, a comment on a post, a like | its author / liker | made |
| deals won | a deal in a won stage | its responsible | closed |

Facts are read through the same visibility rules as their lists (activities bound to a
readable record, visible tasks, visible posts, readable deals), in SQL; one statement counts
them all, grouped. A won deal whose stage, closing time or (when it places the deal)
responsible is hidden from the viewer is left out and counted in ``deals_won_excluded``, so
no figure tells a hidden stage.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    SQLColumnExpression,
    and_,
    case,
    func,
    literal_column,
    not_,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import aliased

from models import Comment, Department, Post, PostLike, Task, User
from models.crm import Activity, ActivityKind, CrmEntity, Deal, DealStage, Semantics
from resolvers.context import RequestContext
from resolvers.crm.activities import visible_activities
from resolvers.crm.visibility import visible
from resolvers.errors import BadInput, not_found
from resolvers.posts.access import visible_post
from resolvers.reports.grouping import (
    MAX_FETCHED_GROUPS,
    Dimension,
    GroupKey,
    check_group_count,
    group_key,
    grouped,
    key_columns,
    sort_key,
)
from resolvers.reports.periods import Period, period_of, time_zone
from resolvers.reports.scope import shown, unreadable_stages
from resolvers.tasks.access import visible_task
from resolvers.tasks.dates import aware_utc
from resolvers.tasks.queries import overdue_condition
from resolvers.tasks.rules import TaskStatus


class PulseDimension(enum.Enum):
    USER = "user"
    DEPARTMENT = "department"
    PERIOD = "period"


# The deal fields a won deal's count reads: its stage says it is won, its closing time when.
WON_RULES = ("stage", "closedAt")
# ... and its responsible, when the report places deals by user or department.
PLACED_BY_RULES = ("assignedTo",)


def _activity_measure(kind: ActivityKind) -> str:
    return f"activity_{kind.name.lower()}"


MEASURES = (
    *(_activity_measure(kind) for kind in ActivityKind),
    "activities_completed",
    "tasks_created",
    "tasks_completed",
    "tasks_overdue",
    "posts",
    "comments",
    "likes",
    "deals_won",
)


@dataclass(frozen=True)
class PulseRequest:
    group_by: Sequence[PulseDimension] = ()
    period: Period = Period.MONTH
    time_zone: str = "UTC"
    # Moments in [start, end): either bound may be open.
    start: datetime | None = None
    end: datetime | None = None
    # Only users of this department and of the departments below it.
    department_id: int | None = None


@dataclass(frozen=True)
class PulseGroup:
    key: GroupKey
    activities: dict[ActivityKind, int]
    activities_completed: int
    tasks_created: int
    tasks_completed: int
    tasks_overdue: int
    posts: int
    comments: int
    likes: int
    deals_won: int


@dataclass(frozen=True)
class Pulse:
    groups: Sequence[PulseGroup]
    # Readable deals that may be won in the report's scope but whose stage, closing time
    # or responsible is hidden from the viewer: not counted in any group.
    deals_won_excluded: int
    # Won stages in which the viewer may read no deal: ``deals_won`` cannot include them.
    unreadable_won_stage_ids: Sequence[int]


async def pulse(ctx: RequestContext, request: PulseRequest) -> Pulse:
    ctx.require_viewer()
    zone = time_zone(request.time_zone)
    start = aware_utc(request.start, "from")
    end = aware_utc(request.end, "to")
    if start is not None and end is not None and start > end:
        raise BadInput("'from' must not be after 'to'", field="to")
    if len(set(request.group_by)) != len(request.group_by):
        raise BadInput("Each dimension may appear once in 'groupBy'", field="groupBy")
    async with ctx.db() as session:
        department_path = None
        if request.department_id is not None:
            department_path = await session.scalar(
                select(Department.path).where(Department.id == request.department_id)
            )
            if department_path is None:
                raise not_found("Department", request.department_id, "departmentId")
    members = None if department_path is None else _members_below(department_path)
    window = _Window(start, end)
    places_deals = members is not None or any(
        dimension is not PulseDimension.PERIOD for dimension in request.group_by
    )
    deal_rules = WON_RULES + PLACED_BY_RULES if places_deals else WON_RULES
    deal_shown = await shown(ctx, CrmEntity.DEAL, deal_rules)
    facts = union_all(*_facts(ctx, window, deal_shown)).subquery("facts")
    dimensions = [
        _dimension(dimension, facts, request.period, zone) for dimension in request.group_by
    ]
    measured = select(*key_columns(dimensions), *(facts.c[name] for name in MEASURES))
    if members is not None:
        measured = measured.where(facts.c.user_id.in_(members))
    rows = measured.subquery("measured")
    keys = grouped(rows, dimensions)
    figures = (
        select(*keys, *(func.sum(rows.c[name]) for name in MEASURES))
        .group_by(*keys)
        .limit(MAX_FETCHED_GROUPS)
    )
    excluded = await _excluded_deals(ctx, window, deal_rules, members)
    async with ctx.db() as session:
        found = (await session.execute(figures)).all()
        check_group_count(len(found))
        deals_excluded = int(await session.scalar(excluded) or 0)
        won_stages = (
            await session.scalars(
                select(DealStage.id).where(DealStage.semantics == Semantics.SUCCESS)
            )
        ).all()
    names = [dimension.name for dimension in dimensions]
    groups = sorted(
        (_group(dimensions, row) for row in found), key=lambda group: sort_key(group.key, names)
    )
    return Pulse(groups, deals_excluded, sorted(unreadable_stages(ctx, list(won_stages))))


@dataclass(frozen=True)
class _Window:
    start: datetime | None
    end: datetime | None

    def holds(self, moment: SQLColumnExpression[Any]) -> ColumnElement[bool]:
        conditions: list[ColumnElement[bool]] = [moment.is_not(None)]
        if self.start is not None:
            conditions.append(moment >= self.start)
        if self.end is not None:
            conditions.append(moment < self.end)
        return and_(*conditions)


def _members_below(path: str) -> Select[tuple[int]]:
    """The users of the department at ``path`` and of every department below it."""
    home = aliased(Department)
    return (
        select(User.id)
        .join(home, User.department_id == home.id)
        .where(home.path.startswith(path, autoescape=True))
    )


def _fact(
    statement: Select[Any],
    user: SQLColumnExpression[Any],
    moment: SQLColumnExpression[Any],
    **measures: ColumnElement[Any],
) -> Select[Any]:
    """One fact row per row of ``statement``: its user, its moment, 1 in its measures."""
    zero = literal_column("0", Integer)
    return statement.with_only_columns(
        user.label("user_id"),
        moment.label("moment"),
        *(measures.get(name, zero).label(name) for name in MEASURES),
    )


def _facts(
    ctx: RequestContext, window: _Window, deal_shown: ColumnElement[bool]
) -> list[Select[Any]]:
    viewer = ctx.require_viewer()
    one = literal_column("1", Integer)
    activity_kinds = {
        _activity_measure(kind): case((Activity.kind == kind, 1), else_=0) for kind in ActivityKind
    }
    activities = visible_activities(ctx)
    tasks = select(Task).where(visible_task(viewer))
    on_posts = select(Post).where(visible_post(viewer))
    won_deals = (
        visible(ctx, CrmEntity.DEAL, bulk=True)
        .join(DealStage, DealStage.id == Deal.stage_id)
        .where(DealStage.semantics == Semantics.SUCCESS, deal_shown)
    )
    return [
        _fact(
            activities.where(window.holds(Activity.created_at)),
            Activity.assigned_to_id,
            Activity.created_at,
            **activity_kinds,
        ),
        _fact(
            activities.where(Activity.completed, window.holds(Activity.completed_at)),
            Activity.assigned_to_id,
            Activity.completed_at,
            activities_completed=one,
        ),
        _fact(
            tasks.where(window.holds(Task.created_at)),
            Task.creator_id,
            Task.created_at,
            tasks_created=one,
        ),
        _fact(
            tasks.where(Task.status == TaskStatus.COMPLETED.value, window.holds(Task.closed_at)),
            Task.responsible_id,
            Task.closed_at,
            tasks_completed=one,
        ),
        _fact(
            tasks.where(overdue_condition(), window.holds(Task.deadline)),
            Task.responsible_id,
            Task.deadline,
            tasks_overdue=one,
        ),
        _fact(
            on_posts.where(window.holds(Post.created_at)),
            Post.author_id,
            Post.created_at,
            posts=one,
        ),
        _fact(
            on_posts.join(Comment, Comment.post_id == Post.id).where(
                window.holds(Comment.created_at)
            ),
            Comment.author_id,
            Comment.created_at,
            comments=one,
        ),
        _fact(
            on_posts.join(PostLike, PostLike.post_id == Post.id).where(
                window.holds(PostLike.created_at)
            ),
            PostLike.user_id,
            PostLike.created_at,
            likes=one,
        ),
        _fact(
            won_deals.where(window.holds(Deal.closed_at)),
            Deal.assigned_to_id,
            Deal.closed_at,
            deals_won=one,
        ),
    ]


async def _excluded_deals(
    ctx: RequestContext,
    window: _Window,
    rules: Sequence[str],
    members: Select[tuple[int]] | None,
) -> Select[Any]:
    """Readable deals that could be won deals of the report but whose fields ``rules`` the
    viewer may not all see. Each condition the viewer cannot test (a hidden closing time,
    a hidden responsible) is taken as met, so the count tells only what the viewer sees."""
    closed_shown = await shown(ctx, CrmEntity.DEAL, ["closedAt"])
    conditions = [
        not_(await shown(ctx, CrmEntity.DEAL, rules)),
        or_(not_(closed_shown), window.holds(Deal.closed_at)),
    ]
    if members is not None:
        responsible_shown = await shown(ctx, CrmEntity.DEAL, PLACED_BY_RULES)
        conditions.append(or_(not_(responsible_shown), Deal.assigned_to_id.in_(members)))
    return (
        visible(ctx, CrmEntity.DEAL, bulk=True)
        .with_only_columns(func.count())
        .where(true(), *conditions)
    )


def _dimension(dimension: PulseDimension, facts: Any, period: Period, zone: str) -> Dimension:
    if dimension is PulseDimension.USER:
        return Dimension(dimension.value, facts.c.user_id)
    if dimension is PulseDimension.DEPARTMENT:
        department = select(User.department_id).where(User.id == facts.c.user_id)
        return Dimension(dimension.value, department.scalar_subquery())
    return Dimension(dimension.value, period_of(facts.c.moment, period, zone))


def _group(dimensions: Sequence[Dimension], row: Sequence[Any]) -> PulseGroup:
    figures = dict(
        zip(MEASURES, (int(value or 0) for value in row[2 * len(dimensions) :]), strict=True)
    )
    return PulseGroup(
        key=group_key(dimensions, row),
        activities={kind: figures[_activity_measure(kind)] for kind in ActivityKind},
        activities_completed=figures["activities_completed"],
        tasks_created=figures["tasks_created"],
        tasks_completed=figures["tasks_completed"],
        tasks_overdue=figures["tasks_overdue"],
        posts=figures["posts"],
        comments=figures["comments"],
        likes=figures["likes"],
        deals_won=figures["deals_won"],
    )
