"""Notifications by e-mail, for the users who choose it: each one as it comes (IMMEDIATE),
or one digest of the unread ones every interval (DIGEST). NONE (no choice made) sends none.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, insert, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from models import MailPreference, Notification, OutboxMessage, SessionFactory, User, utcnow
from models.base import UtcDateTime
from models.mail import QUEUED
from resolvers.context import RequestContext
from resolvers.mail.config import MailConfig

SUBJECT_PREFIX = "crmhub: "
DIGEST_ITEMS = 50
MAX_SUBJECT = 255


class MailMode(enum.Enum):
    NONE = "NONE"
    IMMEDIATE = "IMMEDIATE"
    DIGEST = "DIGEST"


async def mail_mode(ctx: RequestContext) -> MailMode:
    viewer = ctx.require_viewer()
    async with ctx.db() as session:
        mode = await session.scalar(
            select(MailPreference.mode).where(MailPreference.user_id == viewer.user_id)
        )
    return MailMode(mode or MailMode.NONE.value)


async def set_mail_mode(ctx: RequestContext, mode: MailMode) -> MailMode:
    """The viewer's choice. A digest covers what arrives from the choice on."""
    viewer = ctx.require_viewer()
    async with ctx.db() as session:
        dialect = session.bind.dialect.name
        upsert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = upsert(MailPreference).values(
            user_id=viewer.user_id, mode=mode.value, last_digest_at=utcnow()
        )
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[MailPreference.user_id],
                set_={"mode": mode.value, "last_digest_at": statement.excluded.last_digest_at},
            )
        )
        await session.commit()
    return mode


async def mail_notified(session: AsyncSession, user_ids: Iterable[int], text: str) -> None:
    """Queues the notification ``text`` to those of ``user_ids`` who chose IMMEDIATE, in the
    caller's transaction: one statement whoever they are."""
    ids = sorted(set(user_ids))
    if not ids:
        return
    subject = (SUBJECT_PREFIX + " ".join(text.split()))[:MAX_SUBJECT]
    body = f"{text}\n\nYour notifications are in crmhub.\n"
    chosen = (
        select(
            User.email,
            literal(subject),
            literal(body),
            literal(QUEUED),
            literal(0),
            literal(utcnow(), UtcDateTime()),
        )
        .join(MailPreference, MailPreference.user_id == User.id)
        .where(
            User.id.in_(ids),
            User.active.is_(True),
            MailPreference.mode == MailMode.IMMEDIATE.value,
        )
    )
    columns = ["recipient", "subject", "body", "status", "attempts", "next_attempt_at"]
    await session.execute(insert(OutboxMessage).from_select(columns, chosen))


async def queue_digests(
    session_factory: SessionFactory, config: MailConfig, now: datetime | None = None
) -> int:
    """One digest to each DIGEST user whose interval has passed and who has unread
    notifications since the last one; returns how many were queued. Taking a user's digest
    is a conditional UPDATE, so concurrent workers never both send it."""
    now = now or utcnow()
    cutoff = now - config.digest_interval
    due = or_(MailPreference.last_digest_at.is_(None), MailPreference.last_digest_at <= cutoff)
    queued = 0
    async with session_factory() as session:
        rows = await session.execute(
            select(MailPreference.user_id, MailPreference.last_digest_at, User.email)
            .join(User, User.id == MailPreference.user_id)
            .where(MailPreference.mode == MailMode.DIGEST.value, User.active.is_(True), due)
        )
        for user_id, since, address in list(rows.tuples()):
            taken = await session.execute(
                update(MailPreference)
                .where(MailPreference.user_id == user_id, MailPreference.mode == "DIGEST", due)
                .values(last_digest_at=now)
            )
            if getattr(taken, "rowcount", 0) != 1:
                continue
            body = await _digest_body(session, user_id, since, now)
            if body is not None:
                session.add(
                    OutboxMessage(
                        recipient=address,
                        subject=f"{SUBJECT_PREFIX}your unread notifications",
                        body=body,
                        status=QUEUED,
                        attempts=0,
                        next_attempt_at=now,
                    )
                )
                queued += 1
        await session.commit()
    return queued


async def _digest_body(
    session: AsyncSession, user_id: int, since: datetime | None, now: datetime
) -> str | None:
    """The unread notifications created since the last digest, newest first; None if none."""
    window = Notification.created_at <= now
    if since is not None:
        window = and_(window, Notification.created_at > since)
    notices = list(
        await session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id, Notification.read.is_(False), window)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(DIGEST_ITEMS + 1)
        )
    )
    if not notices:
        return None
    lines = [f"- {notice.text}" for notice in notices[:DIGEST_ITEMS]]
    if len(notices) > DIGEST_ITEMS:
        lines.append("- … and more: see crmhub.")
    return "Unread since your last digest:\n\n" + "\n".join(lines) + "\n"
