"""GraphQL for e-mail: templates, sending to one record or to a filtered list, what was
sent, and the viewer's choice of e-mail notifications."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

import strawberry

from models import Mailing as MailingRow
from models import MailTemplate as MailTemplateRow
from models import OutboxMessage as OutboxMessageRow
from models.crm import CrmEntity
from resolvers.crm.fields import RECORD_FIELDS
from resolvers.errors import BadInput
from resolvers.mail import history, notices, sending, templates
from resolvers.mail.templates import MAX_BODY_TEMPLATE, MAX_SUBJECT_TEMPLATE
from resolvers.patch import MISSING
from schema.context import Info
from schema.crm.contacts import ContactFilter
from schema.crm.filters import to_filter
from schema.crm.leads import LeadFilter
from schema.enums import described_enum
from schema.relay import (
    After,
    Before,
    Connection,
    First,
    Last,
    Node,
    decode_any_id,
    decode_id,
    decode_optional_id,
    encode_id,
    node_fetcher,
    page_request,
)
from schema.users import User, load_user

Id = Annotated[strawberry.ID, strawberry.argument(description="Its ID.")]


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
    description="An e-mail's subject and body as Jinja2 templates (sandboxed) over one kind "
    "of record: `{{ record.firstName }}`, `{{ record.email }}`, `{{ sender.name }}`, "
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


@strawberry.input(description="A new e-mail template.")
class MailTemplateInput:
    name: str = strawberry.field(description=f"Up to {templates.MAX_NAME} characters.")
    entity: MailEntity = strawberry.field(description="The kind of record it is for.")
    subject: str = strawberry.field(description=f"Up to {MAX_SUBJECT_TEMPLATE} characters.")
    body: str = strawberry.field(description=f"Up to {MAX_BODY_TEMPLATE} characters.")


@strawberry.input(description="Fields left out stay as they are.")
class MailTemplatePatch:
    name: str | None = strawberry.field(default=None, description="A new name.")
    subject: str | None = strawberry.field(default=None, description="A new subject template.")
    body: str | None = strawberry.field(default=None, description="A new body template.")


@strawberry.input(description="One e-mail to one record.")
class SendEmailInput:
    template_id: strawberry.ID = strawberry.field(description="A template for its kind.")
    record_id: strawberry.ID = strawberry.field(
        description="A contact or lead you may read, with an e-mail you may see."
    )


@strawberry.input(
    description="A mass e-mail to the records a list filter selects: give exactly one "
    "filter, of the template's kind."
)
class SendMassEmailInput:
    template_id: strawberry.ID = strawberry.field(description="The template.")
    contact_filter: ContactFilter | None = strawberry.field(
        default=None, description="The contacts, as the `contacts` list filters them."
    )
    lead_filter: LeadFilter | None = strawberry.field(
        default=None, description="The leads, as the `leads` list filters them."
    )


@strawberry.type
class MailQueries:
    @strawberry.field(description="E-mail templates, oldest first; everyone may use them.")
    async def mail_templates(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[MailTemplate]:
        page = await templates.list_templates(info.context, page_request(first, after, None, None))
        return Connection.of(page, MailTemplate.of)

    @strawberry.field(description="Mass e-mails, newest first: yours (an admin's: all).")
    async def mailings(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[Mailing]:
        page = await history.list_mailings(info.context, page_request(first, after, None, None))
        return Connection.of(page, Mailing.of)

    @strawberry.field(description="Outgoing messages, newest first: yours (an admin's: all).")
    async def outbox_messages(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        mailing_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this mailing's.")
        ] = None,
        status: Annotated[
            OutboxStatus | None, strawberry.argument(description="Only those in this status.")
        ] = None,
    ) -> Connection[OutboxMessage]:
        page = await history.list_outbox(
            info.context,
            page_request(first, after, last, before),
            decode_optional_id(mailing_id, "Mailing", "mailingId"),
            None if status is None else status.value,
        )
        return Connection.of(page, OutboxMessage.of)

    @strawberry.field(description="Which of your notifications also come by e-mail.")
    async def email_notifications(self, info: Info) -> notices.MailMode:
        return await notices.mail_mode(info.context)


@strawberry.type
class MailMutations:
    @strawberry.mutation(
        description="Writes a template; BAD_USER_INPUT naming `subject` or `body` when one "
        "does not render (bad syntax, a field the kind of record lacks)."
    )
    async def create_mail_template(
        self,
        info: Info,
        input: Annotated[MailTemplateInput, strawberry.argument(description="The template.")],
    ) -> MailTemplate:
        new = templates.NewTemplate(
            name=input.name,
            entity=CrmEntity(input.entity.value),
            subject=input.subject,
            body=input.body,
        )
        return MailTemplate.of(await templates.create_template(info.context, new))

    @strawberry.mutation(description="Its author or an administrator changes a template.")
    async def update_mail_template(
        self,
        info: Info,
        id: Id,
        input: Annotated[MailTemplatePatch, strawberry.argument(description="The changes.")],
    ) -> MailTemplate:
        changes = templates.TemplateChanges(
            name=MISSING if input.name is None else input.name,
            subject=MISSING if input.subject is None else input.subject,
            body=MISSING if input.body is None else input.body,
        )
        row = await templates.update_template(info.context, decode_id(id, "MailTemplate"), changes)
        return MailTemplate.of(row)

    @strawberry.mutation(
        description="Its author or an administrator deletes a template; its mailings stay."
    )
    async def delete_mail_template(self, info: Info, id: Id) -> strawberry.ID:
        await templates.delete_template(info.context, decode_id(id, "MailTemplate"))
        return id

    @strawberry.mutation(
        description="Queues one e-mail to a contact or lead you may read (NOT_FOUND "
        "otherwise), to its first e-mail address; it is logged as an EMAIL activity on the "
        "record once sent."
    )
    async def send_email(
        self,
        info: Info,
        input: Annotated[SendEmailInput, strawberry.argument(description="What to send.")],
    ) -> OutboxMessage:
        type_name, pk = decode_any_id(input.record_id, "recordId")
        entity = RECORD_TYPES.get(type_name)
        if entity is None:
            raise BadInput("Mail goes to contacts and leads", field="recordId")
        template_pk = decode_id(input.template_id, "MailTemplate", "templateId")
        row = await sending.send_email(info.context, template_pk, entity, pk)
        return OutboxMessage.of(row)

    @strawberry.mutation(
        description="Queues a personalised e-mail to every record the filter selects among "
        "those you may read (at most 5,000), each with an unsubscribe link; unsubscribed "
        "addresses are skipped and counted. Each message sent is logged as an EMAIL activity "
        "on its record."
    )
    async def send_mass_email(
        self,
        info: Info,
        input: Annotated[SendMassEmailInput, strawberry.argument(description="What to send.")],
    ) -> Mailing:
        template_pk = decode_id(input.template_id, "MailTemplate", "templateId")
        given = [f for f in (input.contact_filter, input.lead_filter) if f is not None]
        if len(given) != 1:
            raise BadInput(
                "Give exactly one of contactFilter and leadFilter", field="contactFilter"
            )
        if input.contact_filter is not None:
            entity = CrmEntity.CONTACT
            filter = to_filter(input.contact_filter, RECORD_FIELDS[entity], "contactFilter")
        else:
            entity = CrmEntity.LEAD
            filter = to_filter(input.lead_filter, RECORD_FIELDS[entity], "leadFilter")
        row = await sending.send_mass_email(info.context, template_pk, entity, filter)
        return Mailing.of(row)

    @strawberry.mutation(description="Chooses which of your notifications also come by e-mail.")
    async def set_email_notifications(
        self,
        info: Info,
        mode: Annotated[notices.MailMode, strawberry.argument(description="The choice.")],
    ) -> notices.MailMode:
        return await notices.set_mail_mode(info.context, mode)
