"""SEND_EMAIL: a message from a template to the record (a lead or contact), queued in the
outbox in the run's transaction and sent by the mail worker like any other (resolvers/mail/).

The template sees the record as the rule's owner does (hidden fields render empty), and the
message is the owner's; a record without an e-mail address the owner may see fails the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models import MailTemplate
from models.crm import CrmEntity
from models.crm.entities import type_name_of
from resolvers.automation.actions.base import Action, Run
from resolvers.errors import BadInput, not_found
from resolvers.mail.sending import send_email
from resolvers.mail.templates import MAILED


async def check(
    session: AsyncSession, entity: CrmEntity, options: Mapping[str, Any], path: str
) -> dict[str, Any]:
    template_id = options.get("templateId")
    field = f"{path}.templateId"
    if not isinstance(template_id, int):
        raise BadInput("Which template to send: a mail template's ID", field=field)
    if entity not in MAILED:
        names = " and ".join(f"{type_name_of(each).lower()}s" for each in sorted(MAILED, key=str))
        raise BadInput(f"Mail goes to {names} only", field=field)
    template = await session.get(MailTemplate, template_id)
    if template is None:
        raise not_found("MailTemplate", template_id, field)
    if template.entity is not entity:
        raise BadInput(
            f"The template is for {template.entity.value.lower()}s, not {entity.value.lower()}s",
            field=field,
        )
    return {"templateId": template_id}


async def run(run: Run, options: Mapping[str, Any]) -> None:
    message = await send_email(run.ctx, options["templateId"], run.entity, run.record_id)
    run.created.append(("OutboxMessage", message.id))


ACTION = Action(check=check, run=run)
