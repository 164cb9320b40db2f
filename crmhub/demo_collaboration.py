"""Demo tasks, posts, comments and likes among the demo users, made through the resolvers.

Going through the resolvers (each step as the user who would take it) gives the demo the
events, feed entries and notifications real use would leave. Everything is deterministic:
the n-th task or post always has the same people, words and dates. Loading is idempotent:
a task is matched by its title, a post by its body (both unique in the lists below); only
missing ones are made, each with its comments, likes and workflow steps.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from auth.viewer import Viewer
from models import Department, Post, SessionFactory, Task, User
from resolvers import comments
from resolvers.context import RequestContext, Services
from resolvers.posts import commands as posts
from resolvers.posts.access import Recipient, RecipientKind
from resolvers.tasks import checklist
from resolvers.tasks import commands as tasks
from resolvers.tasks.rules import TaskAction, TaskPriority

FIRST_DEADLINE = datetime(2026, 11, 16, 17, 0, tzinfo=UTC)

TASK_TITLES = [
    "Call back the new leads from the trade show",
    "Prepare the commercial offer for Vostok Logistics",
    "Update the price list for Q1",
    "Agree the contract terms with Baltic Timber",
    "Send the invoice to Ural Steel",
    "Plan the regional sales meeting",
    "Check the overdue payments",
    "Collect feedback from key accounts",
    "Prepare the monthly sales report",
    "Set up the demo for Sibir Foods",
    "Review the discount policy",
    "Train the interns on the CRM",
    "Clean up duplicate contacts",
    "Write the newsletter for December",
    "Book the venue for the client day",
    "Follow up on the lost deals of October",
    "Negotiate the delivery schedule with Arctic Fish",
    "Draft the partner programme",
    "Renew the support contract with Kama Motors",
    "Map the decision makers at Neva Bank",
    "Prepare the presentation for the board",
    "Analyse the web form conversion",
    "Order the new business cards",
    "Translate the catalogue into English",
    "Visit the warehouse in Kazan",
    "Update the sales scripts",
    "Estimate the budget for the spring campaign",
    "Verify the tax details of new companies",
    "Call the customers with expiring licences",
    "Archive the closed deals of last year",
]
TAGS = ["calls", "offers", "contracts", "meetings", "reports", "marketing"]
STEPS = ["Gather the data", "Draft", "Review with the team lead", "Send"]
COMMENTS = ["On it.", "Done with the first part.", "Need the client's details.", "Looks good!"]

POST_BODIES = [
    "Welcome to our new colleagues in sales!",
    "The office will be closed on Friday for maintenance.",
    "We closed the Vostok Logistics deal. Great work, team!",
    "Reminder: the monthly report is due on the 5th.",
    "New price list is in the shared folder.",
    "Team lunch on Thursday at 13:00.",
    "Please update your deal stages before the weekly meeting.",
    "The spring campaign brief is ready for review.",
    "Client day is confirmed for the 12th.",
    "Congratulations to Maria on her best quarter!",
    "Our CRM now links tasks to deals.",
    "Please welcome the interns and help them settle in.",
    "The trade show leads have been distributed.",
    "Travel requests must be approved by team leads.",
    "New sales scripts are published.",
    "The board meeting moved to Wednesday.",
    "Thank you all for a record November!",
    "Marketing needs three customer stories by Friday.",
    "The coffee machine is fixed.",
    "Security training is mandatory for everyone this month.",
    "South team: great job on the Kazan visit.",
    "North team: new leads from the web form today.",
    "Holiday schedule is in the calendar.",
    "Reminder: log every client call as an activity.",
]
REPLIES = ["Thanks!", "Great news.", "Noted.", "Well done!", "See you there."]


@dataclass(frozen=True)
class Person:
    user: User
    department: Department

    def viewer(self) -> Viewer:
        return Viewer(
            user_id=self.user.id,
            is_admin=self.user.is_admin,
            department_id=self.department.id,
            department_path=self.department.path,
            token_id=0,
        )


async def load_collaboration_demo(services: Services) -> bool:
    """Adds the demo tasks and posts that are missing; False when none were."""
    people = await _people(services.session_factory)
    if not people:
        return False
    added_tasks = await _ensure_tasks(services, people)
    added_posts = await _ensure_posts(services, people)
    return added_tasks or added_posts


async def _people(session_factory: SessionFactory) -> list[Person]:
    async with session_factory() as session:
        rows = await session.execute(
            select(User, Department)
            .join(Department, User.department_id == Department.id)
            .where(User.active.is_(True))
            .order_by(User.id)
        )
        return [Person(user, department) for user, department in rows.tuples()]


@asynccontextmanager
async def _as(services: Services, person: Person) -> AsyncIterator[RequestContext]:
    ctx = RequestContext(services=services, viewer=person.viewer(), client_address="demo")
    try:
        yield ctx
    finally:
        await ctx.close()


async def _ensure_tasks(services: Services, people: list[Person]) -> bool:
    async with services.session_factory() as session:
        existing = set((await session.execute(select(Task.title))).scalars())
    added = False
    previous: Task | None = None
    for index, title in enumerate(TASK_TITLES):
        creator = people[index % len(people)]
        # Every fifth task is a subtask of the one before, made by the same creator.
        parent = previous if index % 5 == 4 and previous is not None else None
        if parent is not None:
            creator = next(p for p in people if p.user.id == parent.creator_id)
        if title in existing:
            previous = None
            continue
        previous = await _make_task(services, people, index, title, creator, parent)
        added = True
    return added


async def _make_task(
    services: Services,
    people: list[Person],
    index: int,
    title: str,
    creator: Person,
    parent: Task | None,
) -> Task:
    count = len(people)
    responsible = people[(index * 3 + 1) % count]
    accomplices = [people[(index * 5 + 2) % count].user.id] if index % 3 == 0 else []
    auditors = [people[(index * 7 + 3) % count].user.id] if index % 2 == 0 else []
    async with _as(services, creator) as ctx:
        task = await tasks.create_task(
            ctx,
            tasks.NewTask(
                title=title,
                description=f"Demo task #{index + 1}.",
                responsible_id=responsible.user.id,
                accomplice_ids=accomplices,
                auditor_ids=auditors,
                deadline=FIRST_DEADLINE + timedelta(days=index * 2),
                priority=list(TaskPriority)[index % 3],
                tags=[TAGS[index % len(TAGS)], TAGS[(index * 2 + 1) % len(TAGS)]],
                require_approval=index % 6 == 2,
                parent_id=parent.id if parent else None,
            ),
        )
        if index % 3 == 1:
            for step in STEPS[: 2 + index % 3]:
                await checklist.add_checklist_item(ctx, task.id, step)
    async with _as(services, responsible) as ctx:
        for action in _workflow(index):
            task = await tasks.change_status(ctx, task.id, action)
        if index % 2 == 0:
            await comments.add_task_comment(ctx, task.id, COMMENTS[index % len(COMMENTS)])
    return task


def _workflow(index: int) -> list[TaskAction]:
    """The steps the responsible takes: a mix of new, started, deferred and done tasks."""
    return [
        [],
        [TaskAction.START],
        [TaskAction.START, TaskAction.COMPLETE],
        [TaskAction.DEFER],
    ][index % 4]


async def _ensure_posts(services: Services, people: list[Person]) -> bool:
    async with services.session_factory() as session:
        existing = set((await session.execute(select(Post.body))).scalars())
    added = False
    for index, body in enumerate(POST_BODIES):
        if body in existing:
            continue
        await _make_post(services, people, index, body, people[(index * 5) % len(people)])
        added = True
    return added


async def _make_post(
    services: Services, people: list[Person], index: int, body: str, author: Person
) -> None:
    if index % 3 == 2:
        recipients = [Recipient(RecipientKind.DEPARTMENT, author.department.id)]
        audience = [p for p in people if p.department.path.startswith(author.department.path)]
    else:
        recipients = [Recipient(RecipientKind.ALL)]
        audience = people
    async with _as(services, author) as ctx:
        post = await posts.create_post(
            ctx, posts.NewPost(body=body, recipients=recipients, important=index % 7 == 0)
        )
    for offset, reader in enumerate(audience):
        if reader is author or (index + offset) % 3 != 0:
            continue
        async with _as(services, reader) as ctx:
            await posts.like_post(ctx, post.id)
            if (index + offset) % 2 == 0:
                await comments.add_post_comment(ctx, post.id, REPLIES[offset % len(REPLIES)])
