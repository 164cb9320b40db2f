"""Converting a lead into a contact, a company and a deal (new or existing), in one step."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import utcnow
from models.crm import (
    Communication,
    Company,
    Contact,
    ContactCompany,
    CrmEntity,
    Deal,
    Lead,
    Semantics,
)
from resolvers.context import RequestContext
from resolvers.crm import events
from resolvers.crm.communications import NewCommunication
from resolvers.crm.companies import NewCompany, check_new_company, insert_company
from resolvers.crm.contacts import NewContact, check_new_contact, insert_contact
from resolvers.crm.deals import NewDeal, check_new_deal, insert_deal
from resolvers.crm.dictionaries import first_status
from resolvers.crm.guards import guard_lead_status_unlocked, guard_update, guard_update_allowed
from resolvers.crm.timeline import Changes, write_changes
from resolvers.crm.visibility import visible_companies, visible_contacts, visible_leads
from resolvers.errors import BadInput, Conflict, NotFound, not_found
from resolvers.locking import lock_for_write

R = TypeVar("R", Contact, Company)


@dataclass(frozen=True)
class Conversion:
    create_contact: bool = False
    create_company: bool = False
    create_deal: bool = False
    pipeline_id: int | None = None
    contact_id: int | None = None
    company_id: int | None = None


@dataclass(frozen=True)
class Converted:
    lead: Lead
    contact: Contact | None
    company: Company | None
    deal: Deal | None


def _check(conversion: Conversion) -> None:
    if conversion.create_contact and conversion.contact_id is not None:
        raise BadInput("Pass either createContact or contactId", field="contactId")
    if conversion.create_company and conversion.company_id is not None:
        raise BadInput("Pass either createCompany or companyId", field="companyId")
    if conversion.pipeline_id is not None and not conversion.create_deal:
        raise BadInput("'pipelineId' needs createDeal", field="pipelineId")
    if not (
        conversion.create_contact
        or conversion.create_company
        or conversion.create_deal
        or conversion.contact_id is not None
        or conversion.company_id is not None
    ):
        raise BadInput("Say what to convert the lead into", field="input")


async def convert_lead(ctx: RequestContext, lead_id: int, conversion: Conversion) -> Converted:
    """All or nothing: the new records copy the lead's data and remember it; the lead gets
    the first SUCCESS status and links to them."""
    viewer = ctx.require_viewer()
    _check(conversion)
    async with ctx.db() as session:
        # Locked before it is read: of simultaneous conversions one passes the check below.
        await lock_for_write(session, Lead.id, lead_id)
        lead = await session.scalar(visible_leads(ctx).where(Lead.id == lead_id))
        if lead is None:
            raise not_found("Lead", lead_id)
        # Converting changes the lead (its status, its links): UPDATE on it, before and
        # after; each record it makes checks CREATE as it is inserted.
        before = await guard_update_allowed(ctx, session, lead)
        guard_lead_status_unlocked(ctx, before)
        if lead.converted_at is not None:
            raise Conflict("The lead is already converted", field="id")
        communications = await _communications(session, lead.id)
        contact = await _contact(ctx, session, lead, conversion, communications, viewer.user_id)
        company = await _company(ctx, session, lead, conversion, communications, viewer.user_id)
        if contact is not None and company is not None:
            await _link(session, contact.id, company.id)
        deal = None
        if conversion.create_deal:
            new_deal = NewDeal(
                title=lead.title,
                pipeline_id=conversion.pipeline_id,
                company_id=company.id if company else None,
                contact_ids=[contact.id] if contact else [],
                assigned_to_id=lead.assigned_to_id,
                opened=lead.opened,
                source_lead_id=lead.id,
            )
            deal = await insert_deal(ctx, session, check_new_deal(new_deal), viewer.user_id)
        status = await first_status(session, Semantics.SUCCESS)
        log = Changes()
        log.set(lead, "status_id", status.id, "statusId")
        lead.converted_at = utcnow()
        lead.contact_id = contact.id if contact else None
        lead.company_id = company.id if company else None
        lead.deal_id = deal.id if deal else None
        await guard_update(ctx, session, lead, before, log)
        write_changes(session, CrmEntity.LEAD, lead.id, viewer.user_id, log)
        await events.lead_converted(session, ctx, lead, log, contact, company, deal)
        await session.commit()
    ctx.forget_loaded()
    return Converted(lead=lead, contact=contact, company=company, deal=deal)


async def _communications(session: AsyncSession, lead_id: int) -> list[NewCommunication]:
    rows = await session.execute(
        select(Communication)
        .where(Communication.entity_type == CrmEntity.LEAD, Communication.entity_id == lead_id)
        .order_by(Communication.sort, Communication.id)
    )
    return [NewCommunication(row.kind, row.value, row.value_type) for row in rows.scalars()]


async def _contact(
    ctx: RequestContext,
    session: AsyncSession,
    lead: Lead,
    conversion: Conversion,
    communications: list[NewCommunication],
    author_id: int,
) -> Contact | None:
    if conversion.contact_id is not None:
        return await _existing(
            session, visible_contacts(ctx).where(Contact.id == conversion.contact_id), "contactId"
        )
    if not conversion.create_contact:
        return None
    new = NewContact(
        first_name=lead.first_name,
        # A contact needs a name; a lead may have only a title.
        last_name=lead.last_name or ("" if lead.first_name else lead.title[:100]),
        assigned_to_id=lead.assigned_to_id,
        opened=lead.opened,
        communications=communications,
        source_lead_id=lead.id,
    )
    return await insert_contact(ctx, session, check_new_contact(new), author_id)


async def _company(
    ctx: RequestContext,
    session: AsyncSession,
    lead: Lead,
    conversion: Conversion,
    communications: list[NewCommunication],
    author_id: int,
) -> Company | None:
    if conversion.company_id is not None:
        return await _existing(
            session, visible_companies(ctx).where(Company.id == conversion.company_id), "companyId"
        )
    if not conversion.create_company:
        return None
    new = NewCompany(
        title=lead.company_title or lead.title,
        assigned_to_id=lead.assigned_to_id,
        opened=lead.opened,
        # With a new contact too, the person's phones and e-mails stay with the person.
        communications=[] if conversion.create_contact else communications,
        source_lead_id=lead.id,
    )
    return await insert_company(ctx, session, check_new_company(new), author_id)


async def _existing(session: AsyncSession, statement: Select[tuple[R]], field: str) -> R:
    row = await session.scalar(statement)
    if row is None:
        raise NotFound(f"No record with the '{field}' given", field=field)
    return row


async def _link(session: AsyncSession, contact_id: int, company_id: int) -> None:
    linked = await session.get(ContactCompany, (contact_id, company_id))
    if linked is None:
        session.add(ContactCompany(contact_id=contact_id, company_id=company_id))
