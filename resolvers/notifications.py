"""Notifications: written by the commands that cause them, read and marked by their user."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Notification, User
from resolvers.batches import one_per_key
from resolvers.context import RequestContext
from resolvers.errors import BadInput, not_found
from resolvers.mail.notices import mail_notified
from resolvers.pagination import Page, PageRequest, SortKey, fetch_page
from subscriptions.events import append_event
from subscriptions.records import EventRecord

MAX_TEXT = 500


# The event that tells open `notifications` subscriptions; never part of the feed.
NOTIFIED = "NOTIFIED"
NOTIFIED_SCOPE = "NOTIFICATION"


class NotificationKind(enum.Enum):
    TASK_ASSIGNED = "TASK_ASSIGNED"
    TASK_STATUS_CHANGED = "TASK_STATUS_CHANGED"
    TASK_COMMENTED = "TASK_COMMENTED"
    POST_ADDRESSED = "POST_ADDRESSED"
    POST_COMMENTED = "POST_COMMENTED"
    POST_LIKED = "POST_LIKED"
    LEAD_ASSIGNED = "LEAD_ASSIGNED"
    CONTACT_ASSIGNED = "CONTACT_ASSIGNED"
    COMPANY_ASSIGNED = "COMPANY_ASSIGNED"
    DEAL_ASSIGNED = "DEAL_ASSIGNED"
    WEBHOOK_DISABLED = "WEBHOOK_DISABLED"
    # Sent by an automation rule's NOTIFY action.
    AUTOMATION = "AUTOMATION"


async def forget_notifications(
    session: AsyncSession, subject_type: str, subject_ids: Iterable[int]
) -> None:
    """Notifications about deleted things go with them: their subject has no foreign key,
    and what a user was told about a record must not outlive it."""
    ids = sorted(set(subject_ids))
    if ids:
        await session.execute(
            delete(Notification).where(
                Notification.subject_type == subject_type, Notification.subject_id.in_(ids)
            )
        )


async def notify(
    session: AsyncSession,
    user_ids: Iterable[int],
    kind: NotificationKind,
    subject: tuple[str, int],
    actor_id: int | None,
    text: str,
) -> set[int]:
    """One notification per user (never the actor), in the caller's transaction.

    Returns who was notified, so that a caller with several causes for one change can leave
    those out of the next call: a user hears about one change once. Call it after the
    change's own updates: it logs an event, which takes the event log's lock.
    """
    recipients = set(user_ids) - {actor_id}
    if not recipients:
        return recipients
    rows = [
        Notification(
            user_id=user_id,
            kind=kind.value,
            actor_id=actor_id,
            subject_type=subject[0],
            subject_id=subject[1],
            text=text[:MAX_TEXT],
            read=False,
        )
        for user_id in sorted(recipients)
    ]
    session.add_all(rows)
    await session.flush()
    await _log_for_subscribers(session, rows, actor_id, subject)
    await mail_notified(session, recipients, text[:MAX_TEXT])
    return recipients


async def _log_for_subscribers(
    session: AsyncSession,
    rows: list[Notification],
    actor_id: int | None,
    subject: tuple[str, int],
) -> None:
    """One event for every recipient, carrying all a live subscriber shows, so that pushing
    it to N open subscriptions needs no query at all."""
    first = rows[0]
    await append_event(
        session,
        NOTIFIED,
        actor_id=actor_id,
        subject=subject,
        scope=(NOTIFIED_SCOPE, 0),
        changes={},
        envelope={
            "kind": first.kind,
            "text": first.text,
            "byUser": {str(row.user_id): row.id for row in rows},
        },
    )


async def actor_name(session: AsyncSession, user_id: int) -> str:
    """How a notification's text names the one who acted."""
    return await session.scalar(select(User.name).where(User.id == user_id)) or "Someone"


async def list_notifications(
    ctx: RequestContext,
    unread_only: bool,
    kinds: frozenset[NotificationKind],
    page: PageRequest,
) -> Page[Notification]:
    viewer = ctx.require_viewer()
    statement: Select[tuple[Notification]] = select(Notification).where(
        Notification.user_id == viewer.user_id
    )
    if unread_only:
        statement = statement.where(Notification.read.is_(False))
    if kinds:
        statement = statement.where(Notification.kind.in_([kind.value for kind in kinds]))
    # Unread first, then newest. The flag is ordered as 0/1 so that the cursor is an integer.
    read_rank = case((Notification.read.is_(True), 1), else_=0)
    keys = [
        SortKey(read_rank),
        SortKey(Notification.created_at, descending=True),
        SortKey(Notification.id, descending=True),
    ]
    return await fetch_page(ctx, statement, keys, page)


async def get_notification(ctx: RequestContext, notification_id: int) -> Notification:
    """One of the viewer's own notifications; nobody else's exist for them."""
    ctx.require_viewer()
    notification = await ctx.loader(notifications_by_id).load(notification_id)
    if notification is None:
        raise not_found("Notification", notification_id)
    return notification


async def notifications_by_id(ctx: RequestContext, ids: list[int]) -> Sequence[Notification | None]:
    """The viewer's own notifications; None for anyone else's and unknown ids."""
    viewer = ctx.require_viewer()
    own = select(Notification).where(
        Notification.id.in_(ids), Notification.user_id == viewer.user_id
    )
    async with ctx.db() as session:
        rows = (await session.execute(own)).scalars().all()
    return one_per_key(rows, lambda notification: notification.id, ids)


async def unread_count(ctx: RequestContext) -> int:
    viewer = ctx.require_viewer()
    async with ctx.db() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == viewer.user_id, Notification.read.is_(False))
        )
    return int(count or 0)


async def mark_read(ctx: RequestContext, ids: Sequence[int] | None, everything: bool) -> int:
    """Marks the viewer's notifications read (the given ones, or all); returns how many."""
    viewer = ctx.require_viewer()
    if ids is None and not everything:
        raise BadInput("Pass 'ids' or 'all: true'", field="ids")
    statement = (
        update(Notification)
        .where(Notification.user_id == viewer.user_id, Notification.read.is_(False))
        .values(read=True)
    )
    if not everything:
        statement = statement.where(Notification.id.in_(list(ids or [])))
    async with ctx.db() as session:
        result = await session.execute(statement)
        await session.commit()
    ctx.forget_loaded()
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class LiveNotification:
    """A notification as a live subscriber receives it, read from its event, not its row."""

    id: int
    kind: str
    read: bool
    created_at: datetime
    text: str
    actor_id: int | None
    subject_type: str
    subject_id: int

    @classmethod
    def for_user(cls, event: EventRecord, user_id: int) -> LiveNotification | None:
        notification_id = event.envelope.get("byUser", {}).get(str(user_id))
        if event.kind != NOTIFIED or notification_id is None:
            return None
        return cls(
            id=int(notification_id),
            kind=str(event.envelope["kind"]),
            read=False,
            created_at=event.occurred_at,
            text=str(event.envelope["text"]),
            actor_id=event.actor_id,
            subject_type=event.subject_type,
            subject_id=event.subject_id,
        )
