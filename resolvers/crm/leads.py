"""Leads: early, unverified interest, with a status, a source, UTM marks and communications."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from models.crm import CrmEntity, Lead, LeadSource, LeadStatus, Semantics
from resolvers.context import RequestContext
from resolvers.crm import events
from resolvers.crm.common import (
    MAX_NAME,
    MAX_TEXT,
    MAX_TITLE,
    list_records,
    require_user,
    rows_by_id,
)
from resolvers.crm.communications import (
    NewCommunication,
    clean,
    matches_existing_customer,
    replace_communications,
    summary,
)
from resolvers.crm.dictionaries import first_status, require_row
from resolvers.crm.fields import RECORD_FIELDS
from resolvers.crm.filtering import Filter
from resolvers.crm.guards import (
    guard_create,
    guard_delete,
    guard_lead_status_unlocked,
    guard_update,
    guard_update_allowed,
)
from resolvers.crm.removal import forget_record
from resolvers.crm.timeline import Changes, write_changes
from resolvers.crm.visibility import visible_leads
from resolvers.errors import BadInput, NotFound
from resolvers.locking import lock_for_write
from resolvers.pagination import Page, PageRequest
from resolvers.patch import MISSING, Missing
from resolvers.validation import text

_GRAPHQL_NAMES = {
    "title": "title",
    "first_name": "firstName",
    "last_name": "lastName",
    "company_title": "companyTitle",
    "source_description": "sourceDescription",
    "utm_source": "utmSource",
    "utm_medium": "utmMedium",
    "utm_campaign": "utmCampaign",
    "utm_content": "utmContent",
    "utm_term": "utmTerm",
}
_MAX_LENGTHS = {"first_name": MAX_NAME, "last_name": MAX_NAME, "source_description": MAX_TEXT}


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


@dataclass(frozen=True)
class LeadChanges:
    texts: dict[str, str] = field(default_factory=dict)
    status_id: int | Missing = MISSING
    source_id: int | Missing | None = MISSING
    assigned_to_id: int | Missing | None = MISSING
    opened: bool | Missing = MISSING
    communications: Sequence[NewCommunication] | Missing = MISSING


async def leads_by_id(ctx: RequestContext, ids: list[int]) -> Sequence[Lead | None]:
    return await rows_by_id(ctx, visible_leads(ctx), Lead.id, ids)


async def get_lead(ctx: RequestContext, lead_id: int) -> Lead:
    ctx.require_viewer()
    lead = await ctx.loader(leads_by_id).load(lead_id)
    if lead is None:
        raise NotFound(f"No lead with id {lead_id}", field="id")
    return lead


async def list_leads(
    ctx: RequestContext, filter: Filter, order: Sequence[tuple[str, bool]], page: PageRequest
) -> Page[Lead]:
    return await list_records(
        ctx,
        visible_leads(ctx),
        RECORD_FIELDS[CrmEntity.LEAD],
        filter,
        order,
        page,
        counted=visible_leads(ctx, bulk=True),
    )


def _text(attribute: str, value: str) -> str:
    return text(
        value,
        _GRAPHQL_NAMES[attribute],
        max_length=_MAX_LENGTHS.get(attribute, MAX_TITLE),
        required=False,
    )


def _texts(values: dict[str, str]) -> dict[str, str]:
    unknown = set(values) - set(_GRAPHQL_NAMES)
    if unknown:
        raise BadInput(f"Unknown lead field {sorted(unknown)[0]}", field=sorted(unknown)[0])
    return {attribute: _text(attribute, value) for attribute, value in values.items()}


async def _status(session: AsyncSession, status_id: int) -> LeadStatus:
    status = await require_row(session, LeadStatus, status_id, "statusId", "lead status")
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
            await require_row(session, LeadSource, new.source_id, "sourceId", "lead source")
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
        await events.record_created(session, ctx, lead)
        await session.commit()
    ctx.forget_loaded()
    return lead


async def update_lead(ctx: RequestContext, lead_id: int, changes: LeadChanges) -> Lead:
    viewer = ctx.require_viewer()
    texts = _texts(changes.texts)
    if "title" in texts and not texts["title"]:
        raise BadInput("'title' must not be empty", field="title")
    async with ctx.db() as session:
        await lock_for_write(session, Lead.id, lead_id)
        lead = await session.scalar(visible_leads(ctx).where(Lead.id == lead_id))
        if lead is None:
            raise NotFound(f"No lead with id {lead_id}", field="id")
        before = await guard_update_allowed(ctx, session, lead)
        log = Changes()
        for attribute, value in texts.items():
            log.set(lead, attribute, value, _GRAPHQL_NAMES[attribute])
        if isinstance(changes.status_id, int):
            guard_lead_status_unlocked(ctx, before)
            if lead.converted_at is not None:
                raise BadInput("A converted lead keeps its status", field="statusId")
            await _status(session, changes.status_id)
            log.set(lead, "status_id", changes.status_id, "statusId")
        if changes.source_id is not MISSING:
            if changes.source_id is not None:
                await require_row(session, LeadSource, changes.source_id, "sourceId", "lead source")
            log.set(lead, "source_id", changes.source_id, "sourceId")
        if changes.assigned_to_id is not MISSING:
            if changes.assigned_to_id is None:
                raise BadInput("A lead needs a responsible user", field="assignedToId")
            await require_user(session, changes.assigned_to_id, "assignedToId")
            log.set(lead, "assigned_to_id", changes.assigned_to_id, "assignedToId")
        if isinstance(changes.opened, bool):
            log.set(lead, "opened", changes.opened, "opened")
        if not isinstance(changes.communications, Missing):
            items = clean(changes.communications)
            old = await replace_communications(session, CrmEntity.LEAD, lead.id, items)
            log.note("communications", old, summary(items))
            lead.is_repeat = await matches_existing_customer(ctx, session, items)
        await guard_update(ctx, session, lead, before, log)
        write_changes(session, CrmEntity.LEAD, lead.id, viewer.user_id, log)
        await events.record_updated(session, ctx, lead, log)
        await session.commit()
    ctx.forget_loaded()
    return lead


async def delete_lead(ctx: RequestContext, lead_id: int) -> int:
    ctx.require_viewer()
    async with ctx.db() as session:
        await lock_for_write(session, Lead.id, lead_id)
        lead = await session.scalar(visible_leads(ctx).where(Lead.id == lead_id))
        if lead is None:
            raise NotFound(f"No lead with id {lead_id}", field="id")
        await guard_delete(ctx, session, lead)
        await forget_record(session, CrmEntity.LEAD, lead.id)
        await session.delete(lead)
        await events.record_deleted(session, ctx, lead)
        await session.commit()
    ctx.forget_loaded()
    return lead_id
