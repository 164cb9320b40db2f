"""Sending deliveries: at least once, in order per record, signed, retried with backoff.

A pass claims the deliveries that are due (PENDING, their time come, no earlier delivery of
the same record to the same webhook still pending, the webhook active) by leasing them:
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so processes claim different rows; SQLite's one
write lock otherwise. Each is then sent while the webhook is held against deletion
(resolvers/webhooks/locks.py), after checking it still exists and is active, and its outcome
is recorded. A 2xx answer delivers it; anything else (another status, a timeout, a refused
connection) is retried after a delay drawn uniformly from zero to ``base * 2**(attempts-1)``,
capped at ``max_delay`` ("full jitter"), until ``max_attempts``: then it has FAILED, and that
many given-up deliveries in a row disable the webhook and tell its owner.

Everything is in the database: a process that dies mid-send leaves a lease that runs out,
and the delivery is sent again (a receiver may see a delivery twice: ``Crmhub-Delivery-Id``
tells it so).
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from datetime import timedelta

import httpx
from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models import BACKGROUND, Webhook, WebhookDelivery, utcnow
from models.global_ids import global_id
from resolvers.context import Services
from resolvers.locking import lock_for_write
from resolvers.notifications import NotificationKind, notify
from resolvers.webhooks.locks import hold_for_sending
from resolvers.webhooks.signing import (
    DELIVERY_ID_HEADER,
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    signature,
)

MAX_ERROR = 500
# A lease outlives the requests' timeouts by this much before another process may send.
LEASE_MARGIN = timedelta(seconds=30)
CLAIM_BATCH = 32
# Sends under way at once per process.
CONCURRENCY = 8


@dataclass(frozen=True)
class RetryPolicy:
    base_delay_seconds: float = 10.0
    max_delay_seconds: float = 3600.0
    max_attempts: int = 10
    timeout_seconds: float = 10.0
    # Deliveries given up in a row that disable a webhook.
    disable_after_failures: int = 5

    def delay(self, attempts: int) -> timedelta:
        """Full jitter: uniform between zero and the capped exponential step."""
        step = min(self.max_delay_seconds, self.base_delay_seconds * 2 ** (attempts - 1))
        return timedelta(seconds=random.uniform(0, step))


@dataclass(frozen=True)
class Claimed:
    id: int
    webhook_id: int
    event_seq: int
    payload: str
    attempts: int


async def deliver_due(services: Services, client: httpx.AsyncClient, retry: RetryPolicy) -> int:
    """Sends every delivery that is due now (one claim); returns how many it attempted."""
    claimed = await _claim(services, retry)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(delivery: Claimed) -> None:
        async with gate:
            await _send(services, client, retry, delivery)

    await asyncio.gather(*(one(delivery) for delivery in claimed))
    return len(claimed)


async def _claim(services: Services, retry: RetryPolicy) -> list[Claimed]:
    now = utcnow()
    earlier = aliased(WebhookDelivery)
    waits_for_earlier = exists().where(
        earlier.webhook_id == WebhookDelivery.webhook_id,
        earlier.subject_key == WebhookDelivery.subject_key,
        earlier.status == "PENDING",
        earlier.event_seq < WebhookDelivery.event_seq,
    )
    statement = (
        select(WebhookDelivery)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(
            WebhookDelivery.status == "PENDING",
            WebhookDelivery.next_attempt_at <= now,
            or_(WebhookDelivery.lease_until.is_(None), WebhookDelivery.lease_until < now),
            Webhook.active.is_(True),
            ~waits_for_earlier,
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(CLAIM_BATCH)
        .execution_options(**BACKGROUND)
    )
    async with services.session_factory() as session:
        if session.bind.dialect.name == "postgresql":
            statement = statement.with_for_update(skip_locked=True, of=WebhookDelivery)
        else:
            # SQLite: look without locking first (most passes find nothing due), then take
            # the one write lock and read again, so that two processes on one file never
            # claim the same row (the row named does not matter there).
            if (await session.scalars(statement.limit(1))).first() is None:
                return []
            await session.rollback()
            await lock_for_write(session, WebhookDelivery.id, 0)
        rows = list(await session.scalars(statement))
        if not rows:
            return []
        # Long enough for the last of the batch to wait its turn at the gate and be sent.
        rounds = -(-len(rows) // CONCURRENCY)
        lease = now + timedelta(seconds=retry.timeout_seconds * rounds) + LEASE_MARGIN
        await session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_([row.id for row in rows]))
            .values(lease_until=lease)
            .execution_options(**BACKGROUND)
        )
        claimed = [
            Claimed(row.id, row.webhook_id, row.event_seq, row.payload, row.attempts)
            for row in rows
        ]
        await session.commit()
    return claimed


async def _send(
    services: Services, client: httpx.AsyncClient, retry: RetryPolicy, delivery: Claimed
) -> None:
    code: int | None = None
    error: str | None = None
    async with services.session_factory() as session:
        await hold_for_sending(session, delivery.webhook_id)
        target = (
            await session.execute(
                select(Webhook.url, Webhook.secret)
                .where(Webhook.id == delivery.webhook_id, Webhook.active.is_(True))
                .execution_options(**BACKGROUND)
            )
        ).one_or_none()
        if target is None:
            # Deleted or disabled meanwhile: nothing is sent; the lease runs out by itself.
            return
        url, secret = target
        body = delivery.payload.encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "crmhub-webhooks/1",
            SIGNATURE_HEADER: signature(secret, int(time.time()), body),
            EVENT_ID_HEADER: global_id("FeedEvent", delivery.event_seq),
            DELIVERY_ID_HEADER: global_id("WebhookDelivery", delivery.id),
        }
        try:
            answer = await client.post(
                url, content=body, headers=headers, timeout=retry.timeout_seconds
            )
            code = answer.status_code
            if not 200 <= code < 300:
                error = f"HTTP {code}: {answer.text[:200]}"
        except Exception as failure:
            # Whatever stops the request (refused, timed out, a URL the client will not take)
            # is a failed attempt, counted against the limits, never a pass that dies and
            # leaves the delivery to be retried forever.
            error = f"{type(failure).__name__}: {failure}" if str(failure) else repr(failure)
        # The hold ends here: the outcome is written in a transaction of its own (on SQLite
        # a read transaction cannot safely turn into a write one).
    await _record(services, retry, delivery, code, error)


async def _record(
    services: Services,
    retry: RetryPolicy,
    delivery: Claimed,
    code: int | None,
    error: str | None,
) -> None:
    now = utcnow()
    attempts = delivery.attempts + 1
    outcome: dict[str, object] = {
        "attempts": attempts,
        "last_attempt_at": now,
        "last_response_code": code,
        "last_error": None if error is None else error[:MAX_ERROR],
        "lease_until": None,
    }
    if error is None:
        outcome |= {"status": "DELIVERED", "delivered_at": now}
    elif attempts >= retry.max_attempts:
        outcome |= {"status": "FAILED"}
    else:
        outcome |= {"next_attempt_at": now + retry.delay(attempts)}
    async with services.session_factory() as session:
        done = await session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery.id, WebhookDelivery.status == "PENDING")
            .values(**outcome)
            .execution_options(**BACKGROUND)
        )
        if done.rowcount == 0:  # type: ignore[attr-defined]
            await session.commit()  # deleted meanwhile
            return
        if outcome.get("status") == "DELIVERED":
            await session.execute(
                update(Webhook)
                .where(Webhook.id == delivery.webhook_id, Webhook.consecutive_failures != 0)
                .values(consecutive_failures=0)
                .execution_options(**BACKGROUND)
            )
        elif outcome.get("status") == "FAILED":
            await _count_failure(session, retry, delivery.webhook_id)
        await session.commit()


async def _count_failure(session: AsyncSession, retry: RetryPolicy, webhook_id: int) -> None:
    """One more delivery given up; at the limit the webhook is disabled and its owner told."""
    await session.execute(
        update(Webhook)
        .where(Webhook.id == webhook_id)
        .values(consecutive_failures=Webhook.consecutive_failures + 1)
        .execution_options(**BACKGROUND)
    )
    disabled = (
        await session.execute(
            update(Webhook)
            .where(
                and_(
                    Webhook.id == webhook_id,
                    Webhook.active.is_(True),
                    Webhook.consecutive_failures >= retry.disable_after_failures,
                )
            )
            .values(
                active=False,
                disabled_reason=f"{retry.disable_after_failures} deliveries failed in a row",
            )
            .returning(Webhook.owner_id, Webhook.url)
            .execution_options(**BACKGROUND)
        )
    ).one_or_none()
    if disabled is not None:
        owner_id, url = disabled
        await notify(
            session,
            [owner_id],
            NotificationKind.WEBHOOK_DISABLED,
            ("WEBHOOK", webhook_id),
            None,
            f"Webhook to {url} disabled: {retry.disable_after_failures} deliveries failed in a row",
        )
