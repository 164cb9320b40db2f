"""Who sees a post: its author, its recipients, admins.

A post to a department reaches that department and every department below it, never its
siblings or parents. The viewer's ancestry is already in ``Viewer.department_path`` ("/1/4/9/"),
so "addressed to a department I am in or below" is an ``IN`` over those ids, no join needed.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from auth.viewer import Viewer
from models import Department, Post, PostRecipient, User
from resolvers.rows import one_or_not_found
from subscriptions.events import Changes, EventKind, record_event


class RecipientKind(enum.Enum):
    ALL = "ALL"
    DEPARTMENT = "DEPARTMENT"
    USER = "USER"


@dataclass(frozen=True)
class Recipient:
    kind: RecipientKind
    # The department's or user's id; None for ALL.
    target_id: int | None = None


def department_ancestry(viewer: Viewer) -> list[int]:
    """The viewer's department and every department above it."""
    return [int(part) for part in viewer.department_path.split("/") if part]


def visible_post(viewer: Viewer) -> ColumnElement[bool]:
    """True for the rows of ``posts`` the viewer may see (correlates with ``Post``)."""
    if viewer.is_admin:
        return true()
    return or_(
        Post.author_id == viewer.user_id,
        exists().where(
            PostRecipient.post_id == Post.id,
            or_(
                PostRecipient.kind == RecipientKind.ALL.value,
                and_(
                    PostRecipient.kind == RecipientKind.USER.value,
                    PostRecipient.user_id == viewer.user_id,
                ),
                and_(
                    PostRecipient.kind == RecipientKind.DEPARTMENT.value,
                    PostRecipient.department_id.in_(department_ancestry(viewer)),
                ),
            ),
        ),
    )


def visible_post_ids(viewer: Viewer) -> Select[tuple[int]]:
    return select(Post.id).where(visible_post(viewer))


async def load_visible_post(
    session: AsyncSession, viewer: Viewer, post_id: int, field: str = "id"
) -> Post:
    visible = select(Post).where(Post.id == post_id, visible_post(viewer))
    return await one_or_not_found(session, visible, "Post", post_id, field)


async def recipients_of(session: AsyncSession, post_id: int) -> list[Recipient]:
    rows = (
        await session.execute(
            select(PostRecipient).where(PostRecipient.post_id == post_id).order_by(PostRecipient.id)
        )
    ).scalars()
    return [as_recipient(row) for row in rows]


def as_recipient(row: PostRecipient) -> Recipient:
    kind = RecipientKind(row.kind)
    target = row.department_id if kind is RecipientKind.DEPARTMENT else row.user_id
    return Recipient(kind, target)


async def reached_users(session: AsyncSession, recipients: Sequence[Recipient]) -> set[int]:
    """The active users a post to ``recipients`` reaches."""
    conditions: list[ColumnElement[bool]] = []
    department_ids = [r.target_id for r in recipients if r.kind is RecipientKind.DEPARTMENT]
    user_ids = [r.target_id for r in recipients if r.kind is RecipientKind.USER]
    if any(r.kind is RecipientKind.ALL for r in recipients):
        conditions.append(true())
    if user_ids:
        conditions.append(User.id.in_(user_ids))
    if department_ids:
        addressed = aliased(Department)
        subtree = (
            select(Department.id)
            .join(addressed, Department.path.startswith(addressed.path))
            .where(addressed.id.in_(department_ids))
        )
        conditions.append(User.department_id.in_(subtree))
    if not conditions:
        return set()
    found = await session.execute(select(User.id).where(User.active.is_(True), or_(*conditions)))
    return set(found.scalars())


def post_envelope(post: Post, recipients: Sequence[Recipient]) -> dict[str, Any]:
    """Enough for a subscriber to decide in memory whether it may see an event of this post."""
    return {
        "entity": "POST",
        "author": post.author_id,
        "all": any(r.kind is RecipientKind.ALL for r in recipients),
        "departmentIds": sorted(
            r.target_id for r in recipients if r.kind is RecipientKind.DEPARTMENT and r.target_id
        ),
        "userIds": sorted(
            r.target_id for r in recipients if r.kind is RecipientKind.USER and r.target_id
        ),
    }


async def record_post_event(
    session: AsyncSession,
    kind: EventKind,
    actor_id: int,
    post: Post,
    recipients: Sequence[Recipient],
    changes: Changes,
) -> None:
    """An event about the post itself, visible as the post is."""
    await record_event(
        session,
        kind,
        actor_id=actor_id,
        subject=("POST", post.id),
        scope=("POST", post.id),
        changes=changes,
        envelope=post_envelope(post, recipients),
    )
