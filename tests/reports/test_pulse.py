"""Team activity as the demo users, checked against the records they read through the API's
lists (activities, tasks, posts, deals) and the comments and likes of the posts they see."""

from __future__ import annotations

import base64
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select, update

from models import Comment, Department, Post, PostLike, SessionFactory, User
from models.crm import ActivityKind
from resolvers.reports.periods import Period, period_start
from tests.client import GraphQLClient
from tests.conftest import logged_in
from tests.crm.api import global_id
from tests.reports.conftest import HEAD, INTERN, MANAGER

ADMIN = "admin@example.com"

PULSE = """query($groupBy: [PulseDimension!]!, $period: ReportPeriod!, $tz: String!,
    $from: DateTime, $to: DateTime, $department: ID) {
  pulse(groupBy: $groupBy, period: $period, timeZone: $tz, from: $from, to: $to,
      departmentId: $department) {
    dealsWonExcluded unreadableWonStageIds
    groups { key { userId departmentId periodStart }
      activities { kind count } activitiesCompleted tasksCreated tasksCompleted tasksOverdue
      posts comments likes dealsWon } } }"""
LISTS = {
    "activities": "kind completed completedAt createdAt assignedTo { id }",
    "tasks": "status overdue deadline createdAt closedAt creator { id } responsible { id }",
    "posts": "createdAt author { id }",
    "deals": "closedAt stage { semantics } assignedTo { id } access { hiddenFields }",
}
MEASURES = [
    *(f"activity {kind.name}" for kind in ActivityKind),
    "activitiesCompleted",
    "tasksCreated",
    "tasksCompleted",
    "tasksOverdue",
    "posts",
    "comments",
    "likes",
    "dealsWon",
]
# A moment on the last evening of March in UTC, already April in Moscow.
BOUNDARY = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)

Row = dict[str, Any]
# A fact: (its user's global ID, its moment, the measure it counts in).
Fact = tuple[str | None, datetime, str]


async def readable(user: GraphQLClient, name: str) -> list[Row]:
    query = f"""query($after: String) {{ {name}(first: 100, after: $after) {{
      pageInfo {{ hasNextPage endCursor }} edges {{ node {{ id {LISTS[name]} }} }} }} }}"""
    rows: list[Row] = []
    after = None
    while True:
        page = (await user.data(query, {"after": after}))[name]
        rows.extend(edge["node"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            return rows
        after = page["pageInfo"]["endCursor"]


def ref(row: Row, name: str) -> str | None:
    return row[name]["id"] if row[name] else None


def moment(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def pk_of(global_id: str) -> int:
    text = global_id + "=" * (-len(global_id) % 4)
    return int(base64.urlsafe_b64decode(text).decode().split(":")[1])


@dataclass
class Seen:
    """What a viewer reads, as facts, and the won deals it cannot place."""

    facts: list[Fact] = field(default_factory=list)
    won_hidden: int = 0


async def seen_by(user: GraphQLClient, session_factory: SessionFactory) -> Seen:
    seen = Seen()
    add = seen.facts.append
    for activity in await readable(user, "activities"):
        owner = ref(activity, "assignedTo")
        add((owner, datetime.fromisoformat(activity["createdAt"]), f"activity {activity['kind']}"))
        if activity["completed"] and activity["completedAt"]:
            add((owner, datetime.fromisoformat(activity["completedAt"]), "activitiesCompleted"))
    for task in await readable(user, "tasks"):
        add((ref(task, "creator"), datetime.fromisoformat(task["createdAt"]), "tasksCreated"))
        if task["status"] == "COMPLETED" and task["closedAt"]:
            closed = datetime.fromisoformat(task["closedAt"])
            add((ref(task, "responsible"), closed, "tasksCompleted"))
        if task["overdue"]:
            due = datetime.fromisoformat(task["deadline"])
            add((ref(task, "responsible"), due, "tasksOverdue"))
    posts = await readable(user, "posts")
    for post in posts:
        add((ref(post, "author"), datetime.fromisoformat(post["createdAt"]), "posts"))
    # Comments and likes of the posts seen, read back from the database.
    post_ids = [pk_of(post["id"]) for post in posts]
    async with session_factory() as session:
        comments = await session.execute(
            select(Comment.author_id, Comment.created_at).where(Comment.post_id.in_(post_ids))
        )
        for author, created in comments:
            add((global_id("User", author), created.replace(tzinfo=UTC), "comments"))
        likes = await session.execute(
            select(PostLike.user_id, PostLike.created_at).where(PostLike.post_id.in_(post_ids))
        )
        for liker, created in likes:
            add((global_id("User", liker), created.replace(tzinfo=UTC), "likes"))
    for deal in await readable(user, "deals"):
        hidden = set(deal["access"]["hiddenFields"])
        if hidden & {"stage", "closedAt", "assignedTo"}:
            seen.won_hidden += deal["closedAt"] is not None or "closedAt" in hidden
        elif deal["stage"]["semantics"] == "SUCCESS" and deal["closedAt"]:
            add((ref(deal, "assignedTo"), datetime.fromisoformat(deal["closedAt"]), "dealsWon"))
    return seen


def figures(group: Row) -> Counter[str]:
    counted: Counter[str] = Counter()
    for item in group["activities"]:
        counted[f"activity {item['kind']}"] = item["count"]
    for name in MEASURES:
        if not name.startswith("activity "):
            counted[name] = group[name]
    return +counted


def expected_groups(
    facts: list[Fact], key: Callable[[Fact], tuple[Any, ...]]
) -> dict[tuple[Any, ...], Counter[str]]:
    grouped: dict[tuple[Any, ...], Counter[str]] = defaultdict(Counter)
    for fact in facts:
        grouped[key(fact)][fact[2]] += 1
    return dict(grouped)


def quarter_in(zone: str) -> Callable[[Fact], tuple[Any, ...]]:
    return lambda fact: (period_start(fact[1], Period.QUARTER, zone).isoformat(),)


async def pulse(user: GraphQLClient, **variables: Any) -> Row:
    asked = {"groupBy": [], "period": "MONTH", "tz": "UTC", **variables}
    return (await user.data(PULSE, asked))["pulse"]  # type: ignore[no-any-return]


def actual_groups(report: Row, names: list[str]) -> dict[tuple[Any, ...], Counter[str]]:
    return {
        tuple(group["key"][name] for name in names): figures(group)
        for group in report["groups"]
        if figures(group)
    }


@pytest.mark.parametrize("email", [HEAD, MANAGER, INTERN])
async def test_per_user_and_month_counts_what_the_viewer_reads(
    demo: GraphQLClient, session_factory: SessionFactory, email: str
) -> None:
    user = await logged_in(demo, email)
    seen = await seen_by(user, session_factory)
    assert seen.facts
    report = await pulse(user, groupBy=["USER", "PERIOD"])
    expected = expected_groups(
        seen.facts,
        lambda fact: (fact[0], period_start(fact[1], Period.MONTH, "UTC").isoformat()),
    )
    assert actual_groups(report, ["userId", "periodStart"]) == expected
    assert report["dealsWonExcluded"] == seen.won_hidden


async def test_a_time_zone_moves_a_fact_across_a_period_boundary(
    demo: GraphQLClient, session_factory: SessionFactory
) -> None:
    head = await logged_in(demo, HEAD)
    async with session_factory() as session:
        post_id = await session.scalar(select(Post.id).order_by(Post.id).limit(1))
        await session.execute(update(Post).where(Post.id == post_id).values(created_at=BOUNDARY))
        await session.commit()
    seen = await seen_by(head, session_factory)
    assert any(fact[1] == BOUNDARY and fact[2] == "posts" for fact in seen.facts)
    for zone, quarter in (("UTC", "2026-01-01"), ("Europe/Moscow", "2026-04-01")):
        assert period_start(BOUNDARY, Period.QUARTER, zone).isoformat() == quarter
        report = await pulse(head, groupBy=["PERIOD"], period="QUARTER", tz=zone)
        expected = expected_groups(seen.facts, quarter_in(zone))
        assert actual_groups(report, ["periodStart"]) == expected
        assert expected[(quarter,)]["posts"] >= 1
    # The window is cut at the same moments: the boundary post is in [BOUNDARY, +1h) only.
    window = await pulse(head, **{"from": BOUNDARY.isoformat(), "to": "2026-03-31T23:30:00+00:00"})
    inside = Counter(
        fact[2] for fact in seen.facts if BOUNDARY <= fact[1] < BOUNDARY.replace(hour=23)
    )
    assert [figures(group) for group in window["groups"]] == [+inside]


async def test_per_department_and_within_a_department(
    demo: GraphQLClient, session_factory: SessionFactory
) -> None:
    head = await logged_in(demo, HEAD)
    seen = await seen_by(head, session_factory)
    async with session_factory() as session:
        homes: dict[str | None, int | None] = {
            global_id("User", pk): department
            for pk, department in await session.execute(select(User.id, User.department_id))
        }
        departments = await session.execute(select(Department.id, Department.path))
        paths: dict[int, str] = dict(departments.tuples().all())

    def department(fact: Fact) -> int | None:
        return homes.get(fact[0])

    def department_key(fact: Fact) -> tuple[str | None]:
        home = department(fact)
        return (None if home is None else global_id("Department", home),)

    report = await pulse(head, groupBy=["DEPARTMENT"], period="YEAR", tz="Asia/Tokyo")
    assert actual_groups(report, ["departmentId"]) == expected_groups(seen.facts, department_key)
    # Within one department (and below it): only the facts of its users.
    homes_seen = Counter(department(fact) for fact in seen.facts)
    chosen = max((home for home in homes_seen if home is not None), key=homes_seen.__getitem__)
    below = {pk for pk, path in paths.items() if path.startswith(paths[chosen])}
    within = await pulse(head, groupBy=["USER"], department=global_id("Department", chosen))
    expected_within = expected_groups(
        [fact for fact in seen.facts if department(fact) in below], lambda fact: (fact[0],)
    )
    assert expected_within
    assert actual_groups(within, ["userId"]) == expected_within


async def test_the_intern_counts_less_than_everything(demo: GraphQLClient) -> None:
    """The intern's figures are her own lists' (checked above); here, against the admin's,
    who sees everything: every kind of figure leaves something out, and won deals in stages
    she may not read are counted nowhere, which the report says."""
    admin, intern = await logged_in(demo, ADMIN), await logged_in(demo, INTERN)
    (everything,) = (await pulse(admin))["groups"]
    report = await pulse(intern)
    (hers,) = report["groups"]
    for name in ("activitiesCompleted", "tasksCreated", "tasksCompleted", "posts", "dealsWon"):
        assert hers[name] < everything[name], name
    assert report["unreadableWonStageIds"]
    assert sum(figures(hers).values()) < sum(figures(everything).values())


@pytest.mark.parametrize(
    ("variables", "code", "field"),
    [
        ({"tz": "Europe/Atlantis"}, "BAD_USER_INPUT", "timeZone"),
        ({"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "BAD_USER_INPUT", "to"),
        ({"from": "2026-02-01T00:00:00"}, "BAD_USER_INPUT", "from"),
        ({"department": "not an id"}, "BAD_USER_INPUT", "departmentId"),
        ({"department": global_id("User", 1)}, "BAD_USER_INPUT", "departmentId"),
        ({"department": global_id("Department", 10**9)}, "NOT_FOUND", "departmentId"),
        ({"groupBy": ["USER", "USER"]}, "BAD_USER_INPUT", "groupBy"),
    ],
)
async def test_bad_input_names_its_argument(
    demo: GraphQLClient, variables: dict[str, Any], code: str, field: str
) -> None:
    head = await logged_in(demo, HEAD)
    response = await head.request(PULSE, {"groupBy": [], "period": "DAY", "tz": "UTC", **variables})
    assert response.errors[0]["extensions"]["code"] == code
    assert response.error_field == field
