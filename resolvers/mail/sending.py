"""Writing mail to the outbox: one record's, or a mass mail to the records a list filter
selects. The worker (``outbox``) sends it later.

Recipients are found through the same path as the ``contacts`` and ``leads`` lists, with the
sender's READ filter in SQL: a record the sender cannot see gets no mail. A record's address
is its first e-mail communication; where the sender may not see its communications it has
none for them. Each template sees the record's fields as the sender does (``rendering``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Mailing, MailTemplate, OutboxMessage, User, utcnow
from models.crm import Communication, CommunicationKind, CrmEntity
from models.crm.entities import type_name_of
from models.mail import QUEUED
from resolvers.access.envelopes import envelopes_by_id
from resolvers.context import RequestContext
from resolvers.crm.filtering import Filter
from resolvers.crm.records import get_record, list_of
from resolvers.errors import BadInput
from resolvers.mail.rendering import RENDER_ERRORS, Rendered, context_of, record_values, render
from resolvers.mail.templates import MAILED, get_template
from resolvers.mail.unsubscribes import tokens_for
from resolvers.pagination import MAX_PAGE_SIZE, PageRequest

# A mass mail reaches at most this many records: narrow the filter for more.
MAX_RECIPIENTS = 5_000
# Ids per IN list.
CHUNK = 500


@dataclasses.dataclass(frozen=True)
class Recipient:
    record: Any
    # None: the record has no e-mail the sender may see.
    address: str | None
    hidden: frozenset[str]


async def _recipients(
    ctx: RequestContext, session: AsyncSession, entity: CrmEntity, records: Sequence[Any]
) -> list[Recipient]:
    policy = ctx.require_policy()
    found: list[Recipient] = []
    for start in range(0, len(records), CHUNK):
        chunk = records[start : start + CHUNK]
        ids = [record.id for record in chunk]
        envelopes = await envelopes_by_id(session, entity, ids) if policy.may_hide(entity) else {}
        addresses: dict[int, str] = {}
        rows = await session.execute(
            select(Communication.entity_id, Communication.normalized)
            .where(
                Communication.entity_type == entity,
                Communication.entity_id.in_(ids),
                Communication.kind == CommunicationKind.EMAIL,
            )
            .order_by(Communication.sort.desc(), Communication.id.desc())
        )
        for record_id, value in rows.tuples():
            addresses[record_id] = value  # the first in the record's order wins
        for record in chunk:
            envelope = envelopes.get(record.id)
            hidden = frozenset() if envelope is None else policy.hidden_fields(envelope)
            address = None if "communications" in hidden else addresses.get(record.id)
            found.append(Recipient(record, address, hidden))
    return found


async def _sender(session: AsyncSession, user_id: int) -> dict[str, str]:
    row = (await session.execute(select(User.name, User.email).where(User.id == user_id))).one()
    return {"name": row.name, "email": row.email}


def _rendered(
    template: MailTemplate,
    recipient: Recipient,
    address: str,
    sender: dict[str, str],
    unsubscribe_url: str,
) -> Rendered:
    values = record_values(template.entity, recipient.record, recipient.hidden, address)
    return render(template.subject, template.body, context_of(values, sender, unsubscribe_url))


def _message(
    recipient: Recipient, address: str, rendered: Rendered, author_id: int, entity: CrmEntity
) -> OutboxMessage:
    return OutboxMessage(
        recipient=address,
        subject=rendered.subject,
        body=rendered.body,
        status=QUEUED,
        attempts=0,
        next_attempt_at=utcnow(),
        record_type=entity,
        record_id=recipient.record.id,
        author_id=author_id,
    )


def _usable(template: MailTemplate, entity: CrmEntity) -> None:
    if template.entity is not entity:
        raise BadInput(
            f"The template is for {template.entity.value.lower()}s, not {entity.value.lower()}s",
            field="templateId",
        )


async def send_email(
    ctx: RequestContext, template_id: int, entity: CrmEntity, record_id: int
) -> OutboxMessage:
    """One message to a record the viewer may read, queued; no unsubscribe link (it is not
    list mail, and an unsubscribed address still gets it)."""
    viewer = ctx.require_viewer()
    if entity not in MAILED:
        raise BadInput("Mail goes to contacts and leads", field="recordId")
    template = await get_template(ctx, template_id)
    _usable(template, entity)
    record = await get_record(ctx, entity, record_id, "recordId")
    async with ctx.db() as session:
        (recipient,) = await _recipients(ctx, session, entity, [record])
        if recipient.address is None:
            raise BadInput(
                f"The {type_name_of(entity).lower()} has no e-mail address you may see",
                field="recordId",
            )
        try:
            rendered = _rendered(
                template, recipient, recipient.address, await _sender(session, viewer.user_id), ""
            )
        except RENDER_ERRORS as error:
            raise BadInput(f"The template does not render: {error}", field="templateId") from None
        message = _message(recipient, recipient.address, rendered, viewer.user_id, entity)
        session.add(message)
        await session.commit()
    return message


async def _all_matching(ctx: RequestContext, entity: CrmEntity, filter: Filter) -> list[Any]:
    """Every record of the list the filter selects, page by page along its keyset."""
    first = await list_of(ctx, entity, filter, [], PageRequest(first=MAX_PAGE_SIZE))
    if await first.count_total() > MAX_RECIPIENTS:
        raise BadInput(
            f"A mass mail reaches at most {MAX_RECIPIENTS} records: narrow the filter",
            field="filter",
        )
    records, page = list(first.items), first
    while page.has_next_page:
        after = PageRequest(first=MAX_PAGE_SIZE, after=page.cursors[-1])
        page = await list_of(ctx, entity, filter, [], after)
        records.extend(page.items)
    return records


async def send_mass_email(
    ctx: RequestContext, template_id: int, entity: CrmEntity, filter: Filter
) -> Mailing:
    """A message to every record the filter selects among those the viewer may read, with
    an unsubscribe link; unsubscribed addresses and records without an address are counted,
    not mailed. An address shared by several records gets one message."""
    viewer = ctx.require_viewer()
    template = await get_template(ctx, template_id)
    _usable(template, entity)
    records = await _all_matching(ctx, entity, filter)
    mail = ctx.services.mail
    async with ctx.db() as session:
        mailing = Mailing(
            template_id=template.id,
            entity=entity,
            filter=filter_json(filter),
            author_id=viewer.user_id,
            queued=0,
            sent=0,
            failed=0,
            skipped_unsubscribed=0,
            skipped_no_address=0,
        )
        session.add(mailing)
        await session.flush()
        sender = await _sender(session, viewer.user_id)
        recipients = await _recipients(ctx, session, entity, records)
        addresses = sorted({r.address for r in recipients if r.address is not None})
        tokens = await tokens_for(session, addresses)
        seen: set[str] = set()
        for recipient in recipients:
            address = recipient.address
            if address is None:
                mailing.skipped_no_address += 1
                continue
            if address in seen:
                continue
            seen.add(address)
            token = tokens.get(address)
            if token is None:
                mailing.skipped_unsubscribed += 1
                continue
            url = mail.unsubscribe_url(token)
            try:
                rendered = _rendered(template, recipient, address, sender, url)
            except RENDER_ERRORS:
                mailing.failed += 1
                continue
            if url not in rendered.body:
                # Every mass mail carries its way out, placed by the template or not.
                body = f"{rendered.body.rstrip()}\n\n--\nUnsubscribe: {url}\n"
                rendered = Rendered(rendered.subject, body)
            message = _message(recipient, address, rendered, viewer.user_id, entity)
            message.mailing_id, message.unsubscribe_url = mailing.id, url
            session.add(message)
            mailing.queued += 1
        await session.commit()
    return mailing


def filter_json(filter: Filter) -> dict[str, Any]:
    """The filter as JSON, for the mailing's record of what was asked."""

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items() if item not in (None, ())}
        if isinstance(value, list | tuple):
            return [plain(item) for item in value]
        if isinstance(value, datetime | date | Decimal):
            return str(value)
        return value

    result: dict[str, Any] = plain(dataclasses.asdict(filter))
    return result
