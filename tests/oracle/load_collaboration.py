"""The rest of a population: activities, tasks, posts, comments, the feed's events and
notifications (see ``load.py``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models import Comment, Event, Notification, Post, PostRecipient, Task, TaskMember
from models.crm import Activity, ActivityBinding, ActivityDirection, ActivityKind, CrmEntity
from tests.oracle.domain import Entity, Population
from tests.oracle.ids import Loaded, status_id


async def load_activities(session: AsyncSession, population: Population, loaded: Loaded) -> None:
    user_ids = loaded.ids["USER"]
    rows = [
        Activity(
            kind=ActivityKind.CALL,
            subject=f"call {index}",
            direction=ActivityDirection.OUTGOING,
            assigned_to_id=None if spec.responsible is None else user_ids[spec.responsible],
        )
        for index, spec in enumerate(population.activities)
    ]
    session.add_all(rows)
    await session.flush()
    for row, spec in zip(rows, population.activities, strict=True):
        session.add_all(
            ActivityBinding(
                activity_id=row.id,
                entity_type=CrmEntity(entity.value),
                entity_id=loaded.ids[entity.value][index],
            )
            for entity, index in spec.bindings
        )
    loaded.ids["ACTIVITY"] = [row.id for row in rows]
    await session.flush()


async def load_tasks_and_posts(
    session: AsyncSession, population: Population, loaded: Loaded
) -> None:
    user_ids = loaded.ids["USER"]
    tasks = [
        Task(
            title=f"task {index}",
            status="NEW",
            priority="NORMAL",
            creator_id=user_ids[spec.creator],
            responsible_id=user_ids[spec.responsible],
        )
        for index, spec in enumerate(population.tasks)
    ]
    posts = [
        Post(author_id=user_ids[spec.author], title=f"post {index}", body="hello")
        for index, spec in enumerate(population.posts)
    ]
    session.add_all([*tasks, *posts])
    await session.flush()
    loaded.ids["TASK"] = [task.id for task in tasks]
    loaded.ids["POST"] = [post.id for post in posts]
    for task, spec in zip(tasks, population.tasks, strict=True):
        for role, people in (("ACCOMPLICE", spec.accomplices), ("AUDITOR", spec.auditors)):
            session.add_all(
                TaskMember(task_id=task.id, user_id=user_ids[user], role=role)
                for user in sorted(people)
            )
    for post, post_spec in zip(posts, population.posts, strict=True):
        for recipient in post_spec.recipients:
            target = recipient.target
            session.add(
                PostRecipient(
                    post_id=post.id,
                    kind=recipient.kind,
                    department_id=loaded.ids["DEPARTMENT"][target]
                    if recipient.kind == "DEPARTMENT" and target is not None
                    else None,
                    user_id=user_ids[target]
                    if recipient.kind == "USER" and target is not None
                    else None,
                )
            )
    parents: list[Task] | list[Post]
    for parents, specs, column, out in (
        (tasks, [t.comment_authors for t in population.tasks], "task_id", loaded.task_comments),
        (posts, [p.comment_authors for p in population.posts], "post_id", loaded.post_comments),
    ):
        for parent_id, authors in zip([p.id for p in parents], specs, strict=True):
            comments = [
                Comment(author_id=user_ids[author], body="a comment", **{column: parent_id})
                for author in authors
            ]
            session.add_all(comments)
            await session.flush()
            out.append([comment.id for comment in comments])
    await session.flush()


async def load_events_and_notifications(
    session: AsyncSession, population: Population, loaded: Loaded
) -> None:
    """A CREATED event per record, task and post (what the feed shows), and the
    population's notifications."""
    subjects: list[tuple[str, int]] = [
        *((entity.value, i) for entity, i in population.refs()),
        *(("TASK", i) for i in range(len(population.tasks))),
        *(("POST", i) for i in range(len(population.posts))),
    ]
    events = [
        Event(
            kind=f"{kind}_CREATED",
            actor_id=None,
            subject_type=kind,
            subject_id=loaded.ids[kind][index],
            scope_type=kind,
            scope_id=loaded.ids[kind][index],
            changes={},
            envelope=_envelope(population, loaded, kind, index),
        )
        for kind, index in subjects
    ]
    notifications = [
        Notification(
            user_id=loaded.ids["USER"][user],
            kind="TASK_ASSIGNED",
            actor_id=None,
            subject_type=kind,
            subject_id=loaded.ids[kind][index],
            text="something happened",
        )
        for user, (kind, index) in population.notifications
    ]
    session.add_all([*events, *notifications])
    await session.flush()
    loaded.events = {subject: event.seq for subject, event in zip(subjects, events, strict=True)}
    for (user, _subject), notification in zip(population.notifications, notifications, strict=True):
        loaded.notifications.setdefault(user, []).append(notification.id)


def _envelope(population: Population, loaded: Loaded, kind: str, index: int) -> dict[str, Any]:
    """What the app stores with such an event (the feed's masks read it)."""
    if kind in ("TASK", "POST"):
        return {"entity": kind}
    record = population.record((Entity(kind), index))
    responsible = record.responsible
    department = None if responsible is None else population.users[responsible].department
    stored: dict[str, Any] = {
        "entity": kind,
        "statusId": None if record.status is None else status_id(loaded, record.status),
        "responsibleId": None if responsible is None else loaded.ids["USER"][responsible],
        "responsibleDepartmentPath": "",
        "opened": record.opened,
    }
    if department is not None:
        stored["responsibleDepartmentPath"] = _path(population, loaded, department)
    if isinstance(record.status, tuple):
        stored["pipelineId"] = loaded.pipelines[record.status[0]]
    return stored


def _path(population: Population, loaded: Loaded, department: int) -> str:
    chain = [department]
    while (parent := population.departments[chain[-1]].parent) is not None:
        chain.append(parent)
    return "/" + "".join(f"{loaded.ids['DEPARTMENT'][d]}/" for d in reversed(chain))
