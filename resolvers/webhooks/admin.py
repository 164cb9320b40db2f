"""Administering webhooks: create (the secret is shown once), list, change, delete, and the
log of their deliveries. Administrators only; an API key may do it when it acts as one.

The optional filter narrows a webhook to the CRM records of one pipeline (deals) and/or of
one responsible user: an event passes when its record's envelope names them. Events of
records that carry neither (posts, tasks, contacts without a pipeline) do not pass a filter
that names what they lack.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Event, User, Webhook, WebhookDelivery, utcnow
from models.crm import Pipeline
from resolvers.context import RequestContext
from resolvers.errors import BadInput, not_found
from resolvers.pagination import Page, PageRequest, SortKey, fetch_page
from resolvers.validation import text
from resolvers.webhooks.locks import hold_against_sending
from resolvers.webhooks.signing import new_secret
from subscriptions.events import EventKind

MAX_URL = 2000
MAX_DESCRIPTION = 500
# How many webhooks `webhooks` lists at most; an integration needs one or two.
MAX_LISTED = 500
DELIVERY_STATUSES = ("PENDING", "DELIVERED", "FAILED")
DELIVERY_KEYS = [SortKey(WebhookDelivery.id, descending=True)]


@dataclass(frozen=True)
class WebhookFilter:
    pipeline_id: int | None = None
    responsible_id: int | None = None


@dataclass(frozen=True)
class NewWebhook:
    url: str
    event_kinds: Sequence[EventKind]
    filter: WebhookFilter | None = None
    description: str = ""


@dataclass(frozen=True)
class WebhookPatch:
    """None leaves a field as it is."""

    url: str | None = None
    event_kinds: Sequence[EventKind] | None = None
    description: str | None = None
    active: bool | None = None


def checked_url(url: str) -> str:
    """An absolute http(s) URL with a host, or BAD_USER_INPUT."""
    cleaned = text(url, "url", max_length=MAX_URL)
    try:
        parts = urlsplit(cleaned)
        port_ok = parts.port is None or parts.port > 0
    except ValueError as error:
        raise BadInput(f"'url' is not a URL: {error}", field="url") from error
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise BadInput("'url' must be an absolute http:// or https:// URL", field="url")
    if any(character.isspace() for character in cleaned):
        raise BadInput("'url' must not contain spaces", field="url")
    return cleaned


def _kinds(kinds: Sequence[EventKind]) -> list[str]:
    if not kinds:
        raise BadInput("'eventKinds' must name at least one kind", field="eventKinds")
    return sorted({kind.value for kind in kinds})


async def create_webhook(ctx: RequestContext, new: NewWebhook) -> tuple[str, Webhook]:
    """The signing secret (the only time it is shown) and the new webhook."""
    admin = ctx.require_admin()
    url = checked_url(new.url)
    kinds = _kinds(new.event_kinds)
    description = text(new.description, "description", max_length=MAX_DESCRIPTION, required=False)
    async with ctx.db() as session:
        stored_filter = await _checked_filter(session, new.filter)
        # It is sent what happens from now on, not the log's past.
        start = await session.scalar(select(func.coalesce(func.max(Event.seq), 0)))
        webhook = Webhook(
            url=url,
            description=description,
            event_kinds=kinds,
            filter=stored_filter,
            secret=new_secret(),
            owner_id=admin.user_id,
            active=True,
            cursor_seq=int(start or 0),
            consecutive_failures=0,
        )
        session.add(webhook)
        await session.commit()
        return webhook.secret, webhook


async def _checked_filter(session: AsyncSession, given: WebhookFilter | None) -> dict[str, int]:
    if given is None:
        return {}
    stored: dict[str, int] = {}
    if given.pipeline_id is not None:
        if await session.get(Pipeline, given.pipeline_id) is None:
            raise not_found("Pipeline", given.pipeline_id, "filter.pipelineId")
        stored["pipelineId"] = given.pipeline_id
    if given.responsible_id is not None:
        if await session.get(User, given.responsible_id) is None:
            raise not_found("User", given.responsible_id, "filter.responsibleId")
        stored["responsibleId"] = given.responsible_id
    return stored


async def list_webhooks(ctx: RequestContext) -> list[Webhook]:
    ctx.require_admin()
    async with ctx.db() as session:
        return list(await session.scalars(select(Webhook).order_by(Webhook.id).limit(MAX_LISTED)))


async def get_webhook(ctx: RequestContext, webhook_id: int) -> Webhook:
    ctx.require_admin()
    async with ctx.db() as session:
        webhook = await session.get(Webhook, webhook_id)
    if webhook is None:
        raise not_found("Webhook", webhook_id)
    return webhook


async def update_webhook(ctx: RequestContext, webhook_id: int, patch: WebhookPatch) -> Webhook:
    """Re-enabling a webhook clears its failures and sends what is still pending at once; the
    events of the time it was off are not sent (it resumes from the log's end)."""
    ctx.require_admin()
    values: dict[str, object] = {}
    if patch.url is not None:
        values["url"] = checked_url(patch.url)
    if patch.event_kinds is not None:
        values["event_kinds"] = _kinds(patch.event_kinds)
    if patch.description is not None:
        values["description"] = text(
            patch.description, "description", max_length=MAX_DESCRIPTION, required=False
        )
    async with ctx.db() as session:
        webhook = await session.get(Webhook, webhook_id, with_for_update=True)
        if webhook is None:
            raise not_found("Webhook", webhook_id)
        if patch.active is True and not webhook.active:
            end = await session.scalar(select(func.coalesce(func.max(Event.seq), 0)))
            values |= {
                "active": True,
                "consecutive_failures": 0,
                "disabled_reason": None,
                "cursor_seq": max(webhook.cursor_seq, int(end or 0)),
            }
            await session.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.webhook_id == webhook_id, WebhookDelivery.status == "PENDING"
                )
                .values(next_attempt_at=utcnow())
            )
        elif patch.active is False:
            values |= {"active": False, "disabled_reason": None}
        for name, value in values.items():
            setattr(webhook, name, value)
        await session.commit()
        return webhook


async def delete_webhook(ctx: RequestContext, webhook_id: int) -> None:
    """Gone with its deliveries. Once this returns nothing more is sent to its URL: on
    PostgreSQL the delete waits for a send already under way (resolvers/webhooks/locks.py),
    and every sender checks that the webhook still exists right before it sends."""
    ctx.require_admin()
    async with ctx.db() as session:
        await hold_against_sending(session, webhook_id)
        if await session.get(Webhook, webhook_id) is None:
            raise not_found("Webhook", webhook_id)
        await session.execute(
            delete(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id)
        )
        await session.execute(delete(Webhook).where(Webhook.id == webhook_id))
        await session.commit()


async def list_deliveries(
    ctx: RequestContext, webhook_id: int, status: str | None, page: PageRequest
) -> Page[WebhookDelivery]:
    """A webhook's deliveries, newest first."""
    await get_webhook(ctx, webhook_id)
    statement: Select[tuple[WebhookDelivery]] = select(WebhookDelivery).where(
        WebhookDelivery.webhook_id == webhook_id
    )
    if status is not None:
        statement = statement.where(WebhookDelivery.status == status)
    return await fetch_page(ctx, statement, DELIVERY_KEYS, page)


async def redeliver(ctx: RequestContext, delivery_id: int) -> WebhookDelivery:
    """Sends a delivery again (a delivered or given-up one too), as soon as the records
    before it are; its attempts start again from zero."""
    ctx.require_admin()
    async with ctx.db() as session:
        delivery = await session.get(WebhookDelivery, delivery_id, with_for_update=True)
        if delivery is None:
            raise not_found("WebhookDelivery", delivery_id)
        delivery.status = "PENDING"
        delivery.attempts = 0
        delivery.next_attempt_at = utcnow()
        delivery.delivered_at = None
        await session.commit()
        return delivery
