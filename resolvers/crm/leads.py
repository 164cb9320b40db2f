"""Leads: early, unverified interest, with a status, a source, UTM marks and communications."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.policy import Envelope
from models.crm import Communication, CrmEntity, Lead, LeadSource, LeadStatus, Semantics
from models.crm.entities import LEAD, FieldKind
from resolvers.context import RequestContext
from resolvers.crm import events
from resolvers.crm.common import require_user
from resolvers.crm.communications import (
    CleanCommunication,
    NewCommunication,
    clean,
    matches_existing_customer,
    replace_communications,
)
from resolvers.crm.custom_values import CustomInput, write_custom
from resolvers.crm.dictionaries import first_status, require_row
from resolvers.crm.guards import guard_create, guard_lead_status_unlocked
from resolvers.crm.records import UpdateHooks, apply_communications
from resolvers.crm.timeline import Changes
from resolvers.errors import BadInput
from resolvers.validation import text


@dataclass(frozen=True)
class NewLead:
    title: str = ""
    first_name: str = ""
    last_name: str = ""
    company_title: str = ""
    status_id: int | None = None
    source_id: int | None = None
    source_description: str = ""
    utm: dict[str, str] = field(default_factory=dict)
    assigned_to_id: int | None = None
    opened: bool = True
    communications: Sequence[NewCommunication] = ()
    # None for a record no client filled in (a conversion): required fields may stay empty.
    custom_fields: Sequence[CustomInput] | None = None


# The lead's texts, by column: a new lead's are all optional (its title has a default).
_TEXTS = {
    field.attribute or "": field
    for field in LEAD.fields
    if field.kind is FieldKind.TEXT and field.attribute
}


def _texts(values: dict[str, str]) -> dict[str, str]:
    unknown = set(values) - set(_TEXTS)
    if unknown:
        raise BadInput(f"Unknown lead field {sorted(unknown)[0]}", field=sorted(unknown)[0])
    return {
        attribute: text(
            value,
            _TEXTS[attribute].input_key,
            max_length=_TEXTS[attribute].max_length or 0,
            required=False,
        )
        for attribute, value in values.items()
    }


async def _status(session: AsyncSession, status_id: int) -> LeadStatus:
    status = await require_row(session, LeadStatus, status_id, "statusId")
    if status.semantics is Semantics.SUCCESS:
        raise BadInput("A lead reaches a success status by conversion", field="statusId")
    return status


async def create_lead(ctx: RequestContext, new: NewLead) -> Lead:
    viewer = ctx.require_viewer()
    texts = _texts(
        {
            "title": new.title,
            "first_name": new.first_name,
            "last_name": new.last_name,
            "company_title": new.company_title,
            "source_description": new.source_description,
            **new.utm,
        }
    )
    texts["title"] = texts["title"] or " ".join(
        part for part in (texts["first_name"], texts["last_name"], texts["company_title"]) if part
    )
    if not texts["title"]:
        raise BadInput("A lead needs a title, a name or a company title", field="title")
    communications = clean(new.communications)
    async with ctx.db() as session:
        if new.status_id is None:
            status = await first_status(session, Semantics.PROCESS)
        else:
            status = await _status(session, new.status_id)
        if new.source_id is not None:
            await require_row(session, LeadSource, new.source_id, "sourceId")
        await require_user(session, new.assigned_to_id, "assignedToId")
        lead = Lead(
            **texts,
            status_id=status.id,
            source_id=new.source_id,
            assigned_to_id=viewer.user_id if new.assigned_to_id is None else new.assigned_to_id,
            created_by_id=viewer.user_id,
            opened=new.opened,
            is_repeat=await matches_existing_customer(ctx, session, communications),
        )
        await guard_create(ctx, session, lead)
        session.add(lead)
        await session.flush()
        await replace_communications(session, CrmEntity.LEAD, lead.id, communications)
        await write_custom(
            ctx,
            session,
            CrmEntity.LEAD,
            lead.id,
            new.custom_fields or (),
            Changes(),
            creating=True,
            enforce_required=new.custom_fields is not None,
        )
        await events.record_created(session, ctx, lead)
        await session.commit()
    ctx.forget_loaded()
    return lead


async def _change_status(
    ctx: RequestContext,
    session: AsyncSession,
    lead: Lead,
    before: Envelope,
    status_id: int,
    log: Changes,
) -> None:
    """Only a lead the viewer may change the status of, not converted, and not into success:
    conversion does that."""
    guard_lead_status_unlocked(ctx, before)
    if lead.converted_at is not None:
        raise BadInput("A converted lead keeps its status", field="statusId")
    await _status(session, status_id)
    log.set(lead, "status_id", status_id, "statusId")


async def _change_source(
    ctx: RequestContext,
    session: AsyncSession,
    lead: Lead,
    before: Envelope,
    source_id: int | None,
    log: Changes,
) -> None:
    if source_id is not None:
        await require_row(session, LeadSource, source_id, "sourceId")
    log.set(lead, "source_id", source_id, "sourceId")


async def _change_communications(
    ctx: RequestContext,
    session: AsyncSession,
    lead: Lead,
    before: Envelope,
    items: Sequence[NewCommunication],
    log: Changes,
) -> None:
    """The lead's phones and e-mails, and whether they make it a repeat lead."""
    await apply_communications(session, CrmEntity.LEAD, lead, items, log)
    lead.is_repeat = await matches_existing_customer(ctx, session, clean(items))


async def _merged(ctx: RequestContext, session: AsyncSession, lead: Lead) -> None:
    """A lead that took in other leads' phones and e-mails may now be a repeat lead."""
    rows = await session.scalars(
        select(Communication).where(
            Communication.entity_type == CrmEntity.LEAD, Communication.entity_id == lead.id
        )
    )
    items = [
        CleanCommunication(row.kind, row.value, row.value_type, row.normalized) for row in rows
    ]
    lead.is_repeat = await matches_existing_customer(ctx, session, items)


UPDATE_HOOKS = UpdateHooks(
    fields={
        "statusId": _change_status,
        "sourceId": _change_source,
        "communications": _change_communications,
    },
    merged=_merged,
)
