"""GraphQL types of e-mail: templates, mailings, outbox messages and their enums."""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry

from models import Mailing as MailingRow
from models import MailTemplate as MailTemplateRow
from models import OutboxMessage as OutboxMessageRow
from models.crm import CrmEntity
from resolvers.mail import history, notices, templates
from schema.context import Info
from schema.enums import described_enum
from schema.relay import Node, encode_id, node_fetcher
from schema.users import User, load_user


class MailEntity(enum.Enum):
    CONTACT = "CONTACT"
    LEAD = "LEAD"


class OutboxStatus(enum.Enum):
    QUEUED = "QUEUED"
    SENT = "SENT"
    FAILED = "FAILED"


described_enum(
    MailEntity,
    "The kinds of record mail goes to.",
    {MailEntity.CONTACT: "Contacts.", MailEntity.LEAD: "Leads."},
)
described_enum(
    OutboxStatus,
    "Where an outgoing message stands.",
    {
        OutboxStatus.QUEUED: "Waiting to be sent (or retried).",
        OutboxStatus.SENT: "Accepted by the SMTP server.",
        OutboxStatus.FAILED: "Refused for good, or every attempt failed; see `lastError`.",
    },
)

MODE = notices.MailMode
described_enum(
    MODE,
    "Which notifications reach the viewer by e-mail too.",
    {
        MODE.NONE: "None.",
        MODE.IMMEDIATE: "Each one, as it comes.",
        MODE.DIGEST: "One e-mail, every digest interval, listing those still unread.",
    },
    name="EmailNotifications",
)

RECORD_TYPES = {"Contact": CrmEntity.CONTACT, "Lead": CrmEntity.LEAD}


@strawberry.type(
    description="An e-mail's subject and body as Jinja2 templates (sandboxed; values, "
    "conditions and a few filters, no loops: docs/integrations.md) over one kind of record: "
    "`{{ record.firstName }}`, `{{ record.email }}`, `{{ sender.name }}`, "
    "`{{ unsubscribe_url }}`. A field hidden from the sender renders empty."
)
class MailTemplate(Node):
    name: str = strawberry.field(description="As users call it.")
    entity: MailEntity = strawberry.field(description="The kind of record it is written for.")
    subject: str = strawberry.field(description="The subject template (one line once rendered).")
    body: str = strawberry.field(description="The plain-text body template.")
    created_at: datetime = strawberry.field(description="When it was written.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    created_by_pk: strawberry.Private[int | None]

    @classmethod
    def of(cls, row: MailTemplateRow) -> MailTemplate:
        return cls(
            pk=row.id,
            name=row.name,
            entity=MailEntity(row.entity.value),
            subject=row.subject,
            body=row.body,
            created_at=row.created_at,
            updated_at=row.updated_at,
            created_by_pk=row.created_by_id,
        )

    @strawberry.field(description="Its author, who may change it (as may administrators).")
    async def created_by(self, info: Info) -> User | None:
        return None if self.created_by_pk is None else await load_user(info, self.created_by_pk)


@strawberry.type(description="A mass e-mail: its template, its author, and how it went.")
class Mailing(Node):
    entity: MailEntity = strawberry.field(description="The kind of record mailed.")
    queued: int = strawberry.field(description="Messages written to the outbox.")
    sent: int = strawberry.field(description="Of them, sent so far.")
    failed: int = strawberry.field(
        description="Not sent: refused, out of attempts, or the template failed on a record."
    )
    skipped_unsubscribed: int = strawberry.field(
        description="Records left out: their address unsubscribed."
    )
    skipped_no_address: int = strawberry.field(
        description="Records left out: no e-mail address the sender may see."
    )
    created_at: datetime = strawberry.field(description="When it was sent off.")
    template_pk: strawberry.Private[int | None]
    author_pk: strawberry.Private[int | None]

    @classmethod
    def of(cls, row: MailingRow) -> Mailing:
        return cls(
            pk=row.id,
            entity=MailEntity(row.entity.value),
            queued=row.queued,
            sent=row.sent,
            failed=row.failed,
            skipped_unsubscribed=row.skipped_unsubscribed,
            skipped_no_address=row.skipped_no_address,
            created_at=row.created_at,
            template_pk=row.template_id,
            author_pk=row.author_id,
        )

    @strawberry.field(description="The template's ID; null once it is deleted.")
    def template_id(self) -> strawberry.ID | None:
        return None if self.template_pk is None else encode_id("MailTemplate", self.template_pk)

    @strawberry.field(description="Who sent it.")
    async def author(self, info: Info) -> User | None:
        return None if self.author_pk is None else await load_user(info, self.author_pk)


@strawberry.type(description="An outgoing message, as written to the outbox.")
class OutboxMessage(Node):
    recipient: str = strawberry.field(description="The address it goes to.")
    subject: str = strawberry.field(description="As rendered.")
    body: str = strawberry.field(description="As rendered.")
    status: OutboxStatus = strawberry.field(description="Queued, sent or failed.")
    attempts: int = strawberry.field(description="Attempts so far.")
    next_attempt_at: datetime = strawberry.field(description="When it is tried next (QUEUED).")
    last_error: str | None = strawberry.field(description="Why the last attempt failed.")
    sent_at: datetime | None = strawberry.field(description="When the server accepted it.")
    created_at: datetime = strawberry.field(description="When it was written.")
    record_type: strawberry.Private[CrmEntity | None]
    record_pk: strawberry.Private[int | None]
    mailing_pk: strawberry.Private[int | None]

    @classmethod
    def of(cls, row: OutboxMessageRow) -> OutboxMessage:
        return cls(
            pk=row.id,
            recipient=row.recipient,
            subject=row.subject,
            body=row.body,
            status=OutboxStatus(row.status),
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at,
            last_error=row.last_error,
            sent_at=row.sent_at,
            created_at=row.created_at,
            record_type=row.record_type,
            record_pk=row.record_id,
            mailing_pk=row.mailing_id,
        )

    @strawberry.field(description="The contact or lead it was written to; null for the hub's own.")
    def record_id(self) -> strawberry.ID | None:
        if self.record_type is None or self.record_pk is None:
            return None
        return encode_id(self.record_type.value.title(), self.record_pk)

    @strawberry.field(description="The mass e-mail it is part of, if any.")
    def mailing_id(self) -> strawberry.ID | None:
        return None if self.mailing_pk is None else encode_id("Mailing", self.mailing_pk)


@node_fetcher("Mailing")
async def fetch_mailing(info: Info, pk: int) -> Mailing:
    return Mailing.of(await history.get_mailing(info.context, pk))


@node_fetcher("OutboxMessage")
async def fetch_outbox_message(info: Info, pk: int) -> OutboxMessage:
    return OutboxMessage.of(await history.get_outbox_message(info.context, pk))


@node_fetcher("MailTemplate")
async def fetch_mail_template(info: Info, pk: int) -> MailTemplate:
    return MailTemplate.of(await templates.get_template(info.context, pk, "id"))
