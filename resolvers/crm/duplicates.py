"""Duplicate detection: the leads, contacts and companies that share a phone or an e-mail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.crm import Communication, CommunicationKind, Company, Contact, CrmEntity, Lead
from resolvers.access.envelopes import envelopes_by_id
from resolvers.context import RequestContext
from resolvers.crm.communications import normalized_for_lookup
from resolvers.crm.visibility import visible_companies, visible_contacts, visible_leads
from resolvers.errors import BadInput

MAX_MATCHES = 100
R = TypeVar("R", Lead, Contact, Company)


@dataclass(frozen=True)
class Duplicates:
    leads: list[Lead]
    contacts: list[Contact]
    companies: list[Company]


async def find_duplicates(ctx: RequestContext, phone: str | None, email: str | None) -> Duplicates:
    """Records (that the viewer may see) with this phone or e-mail, compared normalised."""
    ctx.require_viewer()
    wanted: list[tuple[CommunicationKind, str]] = []
    if phone is not None:
        wanted.append(
            (
                CommunicationKind.PHONE,
                normalized_for_lookup(CommunicationKind.PHONE, phone, "phone"),
            )
        )
    if email is not None:
        wanted.append(
            (
                CommunicationKind.EMAIL,
                normalized_for_lookup(CommunicationKind.EMAIL, email, "email"),
            )
        )
    if not wanted:
        raise BadInput("Give a phone or an e-mail", field="phone")

    match = or_(
        *(
            (Communication.kind == kind) & (Communication.normalized == value)
            for kind, value in wanted
        )
    )

    def holders(entity: CrmEntity) -> Select[tuple[int]]:
        return select(Communication.entity_id).where(Communication.entity_type == entity, match)

    async with ctx.db() as session:
        leads = await session.scalars(
            visible_leads(ctx)
            .where(Lead.id.in_(holders(CrmEntity.LEAD)))
            .order_by(Lead.id)
            .limit(MAX_MATCHES)
        )
        found_leads = list(leads)
        contacts = await session.scalars(
            visible_contacts(ctx)
            .where(Contact.id.in_(holders(CrmEntity.CONTACT)))
            .order_by(Contact.id)
            .limit(MAX_MATCHES)
        )
        found_contacts = list(contacts)
        companies = await session.scalars(
            visible_companies(ctx)
            .where(Company.id.in_(holders(CrmEntity.COMPANY)))
            .order_by(Company.id)
            .limit(MAX_MATCHES)
        )
        found_companies = list(companies)
        return Duplicates(
            leads=await _communications_shown(ctx, session, CrmEntity.LEAD, found_leads),
            contacts=await _communications_shown(ctx, session, CrmEntity.CONTACT, found_contacts),
            companies=await _communications_shown(ctx, session, CrmEntity.COMPANY, found_companies),
        )


async def _communications_shown(
    ctx: RequestContext, session: AsyncSession, entity: CrmEntity, rows: list[R]
) -> list[R]:
    """The rows whose communications the viewer may see: a match on a hidden phone or
    e-mail would reveal it. One statement, and only when a role hides communications."""
    policy = ctx.require_policy()
    if not rows or not policy.may_hide_field(entity, "communications"):
        return rows
    envelopes = await envelopes_by_id(session, entity, [row.id for row in rows])
    return [row for row in rows if "communications" not in policy.hidden_fields(envelopes[row.id])]
