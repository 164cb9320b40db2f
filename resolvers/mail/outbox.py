"""The outbox worker's work: claim due messages, send them over SMTP, mark them SENT (with
the EMAIL activity on their record, in the same transaction) or try again later.

Every process runs a worker (crmhub/mail_worker.py); ``send_due`` is one round of it. A
claim moves the message's ``next_attempt_at`` a lease ahead and counts the attempt, by a
conditional UPDATE that only one claimer wins (on PostgreSQL ``FOR UPDATE SKIP LOCKED``
also lets concurrent workers pass each other by); the SMTP conversation then runs outside
any transaction. A process that dies mid-send leaves its claim to lapse, and the message is
sent again: delivery is at least once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth.policy.entities import RECORD_MODELS
from models import Mailing, OutboxMessage, SessionFactory, utcnow
from models.crm import Activity, ActivityDirection, ActivityKind, CrmEntity
from models.mail import FAILED, QUEUED, SENT
from resolvers.crm.activities import insert_activity
from resolvers.mail.config import MailConfig, SmtpConfig

log = logging.getLogger(__name__)

# How long a claimed message is left to its claimer before another worker may take it.
LEASE = timedelta(minutes=5)
BATCH = 50
MAX_ERROR = 500


class PermanentFailure(Exception):
    """The server refused the message for good (a 5xx answer): no retry."""


# Sends one message; raises on failure (PermanentFailure when retrying is pointless).
Transport = Callable[[SmtpConfig, EmailMessage], Awaitable[None]]


async def smtp_transport(smtp: SmtpConfig, message: EmailMessage) -> None:
    try:
        await aiosmtplib.send(
            message,
            hostname=smtp.host,
            port=smtp.port,
            username=smtp.username or None,
            password=smtp.password or None,
            use_tls=smtp.security == "tls",
            start_tls=smtp.security == "starttls",
            timeout=smtp.timeout_seconds,
        )
    except aiosmtplib.SMTPRecipientsRefused as error:
        raise PermanentFailure(str(error)) from error
    except aiosmtplib.SMTPResponseException as error:
        if error.code >= 500:
            raise PermanentFailure(f"{error.code} {error.message}") from error
        raise


def email_of(smtp: SmtpConfig, row: OutboxMessage) -> EmailMessage:
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2] or None)
    if row.unsubscribe_url:
        # RFC 8058 one-click: mail clients POST "List-Unsubscribe=One-Click" to the link.
        message["List-Unsubscribe"] = f"<{row.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(row.body)
    return message


@dataclass(frozen=True)
class Round:
    """What one round did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0


async def send_due(
    session_factory: SessionFactory,
    config: MailConfig,
    *,
    now: datetime | None = None,
    transport: Transport = smtp_transport,
    limit: int = BATCH,
) -> Round:
    """Sends the messages due at ``now``, at most ``limit``; nothing when mail is off."""
    if config.smtp is None:
        return Round()
    now = now or utcnow()
    sent = retried = failed = 0
    claimed = await _claim(session_factory, now, limit)
    gone = await _of_deleted_records(session_factory, claimed)
    for message in claimed:
        try:
            if message.id in gone:
                # Whoever deleted the record meant it: its mail is not sent after it.
                raise PermanentFailure("The record was deleted before the message was sent")
            await transport(config.smtp, email_of(config.smtp, message))
        except Exception as error:
            permanent = isinstance(error, PermanentFailure)
            log.warning("outbox message %s failed: %r", message.id, error)
            gave_up = await _failed(session_factory, config, message, error, permanent, now)
            failed, retried = failed + gave_up, retried + (not gave_up)
        else:
            await _sent(session_factory, message)
            sent += 1
    return Round(sent=sent, retried=retried, failed=failed)


async def _claim(session_factory: SessionFactory, now: datetime, limit: int) -> list[OutboxMessage]:
    async with session_factory() as session:
        due = (
            select(OutboxMessage)
            .where(OutboxMessage.status == QUEUED, OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
        if session.bind.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        claimed = []
        for message in list(await session.scalars(due)):
            taken = await session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == message.id,
                    OutboxMessage.status == QUEUED,
                    OutboxMessage.attempts == message.attempts,
                )
                .values(attempts=message.attempts + 1, next_attempt_at=now + LEASE)
                .execution_options(synchronize_session=False)
            )
            if getattr(taken, "rowcount", 0) == 1:
                message.attempts += 1
                claimed.append(message)
        await session.commit()
        return claimed


async def _of_deleted_records(
    session_factory: SessionFactory, messages: list[OutboxMessage]
) -> set[int]:
    """The messages among ``messages`` whose record no longer exists."""
    wanted: dict[CrmEntity, set[int]] = defaultdict(set)
    for message in messages:
        if message.record_type is not None and message.record_id is not None:
            wanted[message.record_type].add(message.record_id)
    if not wanted:
        return set()
    existing: set[tuple[CrmEntity, int]] = set()
    async with session_factory() as session:
        for entity, ids in wanted.items():
            model = RECORD_MODELS[entity]
            found = await session.scalars(select(model.id).where(model.id.in_(sorted(ids))))
            existing.update((entity, pk) for pk in found)
    return {
        message.id
        for message in messages
        if message.record_type is not None
        and message.record_id is not None
        and (message.record_type, message.record_id) not in existing
    }


async def _sent(session_factory: SessionFactory, message: OutboxMessage) -> None:
    async with session_factory() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id)
            .values(status=SENT, sent_at=utcnow(), last_error=None)
        )
        if message.mailing_id is not None:
            await session.execute(
                update(Mailing)
                .where(Mailing.id == message.mailing_id)
                .values(sent=Mailing.sent + 1)
            )
        # Last: it writes the activity's event, after which only inserts may follow.
        await _log_activity(session, message)
        await session.commit()


async def _log_activity(session: AsyncSession, message: OutboxMessage) -> None:
    """An outgoing, completed EMAIL activity on the message's record, if it still exists."""
    entity, pk = message.record_type, message.record_id
    if entity is None or pk is None:
        return
    model = RECORD_MODELS[entity]
    if await session.scalar(select(model.id).where(model.id == pk)) is None:
        return
    at = utcnow()
    activity = Activity(
        kind=ActivityKind.EMAIL,
        subject=message.subject or "(no subject)",
        description=message.body,
        direction=ActivityDirection.OUTGOING,
        start_at=at,
        end_at=at,
        completed=True,
        completed_at=at,
        assigned_to_id=message.author_id,
        created_by_id=message.author_id,
    )
    await insert_activity(session, activity, [(entity, pk)], message.author_id)


async def _failed(
    session_factory: SessionFactory,
    config: MailConfig,
    message: OutboxMessage,
    error: Exception,
    permanent: bool,
    now: datetime,
) -> bool:
    """Schedules the next attempt with exponential backoff, or gives up (returns True)."""
    gave_up = permanent or message.attempts >= config.max_attempts
    delay = config.retry_base * 2 ** max(message.attempts - 1, 0)
    values: dict[str, object] = {"last_error": (str(error) or repr(error))[:MAX_ERROR]}
    values |= {"status": FAILED} if gave_up else {"next_attempt_at": now + delay}
    async with session_factory() as session:
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message.id).values(**values)
        )
        if gave_up and message.mailing_id is not None:
            await session.execute(
                update(Mailing)
                .where(Mailing.id == message.mailing_id)
                .values(failed=Mailing.failed + 1)
            )
        await session.commit()
    return gave_up
