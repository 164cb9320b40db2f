"""GraphQL for e-mail: templates, sending to one record or to a filtered list, what was
sent, and the viewer's choice of e-mail notifications (types in ``mail_types``)."""

from __future__ import annotations

from typing import Annotated

import strawberry

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
from schema.mail_types import (
    RECORD_TYPES,
    MailEntity,
    Mailing,
    MailTemplate,
    OutboxMessage,
    OutboxStatus,
)
from schema.relay import (
    After,
    Before,
    Connection,
    First,
    Last,
    decode_any_id,
    decode_id,
    decode_optional_id,
    page_request,
)

Id = Annotated[strawberry.ID, strawberry.argument(description="Its ID.")]


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
