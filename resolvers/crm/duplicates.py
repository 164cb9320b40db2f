"""Duplicate detection: the leads, contacts and companies that share a phone or an e-mail,
among their communications or in their custom PHONE and EMAIL fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import ColumnElement, CompoundSelect, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.crm import (
    Communication,
    CommunicationKind,
    Company,
    Contact,
    CrmEntity,
    CustomField,
    CustomFieldKind,
    CustomValue,
    Lead,
)
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
    custom = custom_match(dict(wanted))

    def holders(entity: CrmEntity) -> CompoundSelect[tuple[int]]:
        by_communication = select(Communication.entity_id).where(
            Communication.entity_type == entity, match
        )
        by_custom = select(CustomValue.record_id).where(CustomValue.entity == entity, custom)
        return by_communication.union(by_custom)

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

        async def shown(entity: CrmEntity, rows: list[R]) -> list[R]:
            return await _matches_shown(ctx, session, entity, rows, match, custom)

        return Duplicates(
            leads=await shown(CrmEntity.LEAD, found_leads),
            contacts=await shown(CrmEntity.CONTACT, found_contacts),
            companies=await shown(CrmEntity.COMPANY, found_companies),
        )


async def _matches_shown(
    ctx: RequestContext,
    session: AsyncSession,
    entity: CrmEntity,
    rows: list[R],
    match: ColumnElement[bool],
    custom: ColumnElement[bool],
) -> list[R]:
    """The rows that match on a field the viewer may see (their communications, or a custom
    field): a match on a hidden phone or e-mail would reveal it. Costs statements only when
    a role of the viewer hides communications or a custom field of the entity."""
    policy = ctx.require_policy()
    if not rows or not policy.may_hide(entity):
        return rows
    ids = [row.id for row in rows]
    by_communication = set(
        await session.scalars(
            select(Communication.entity_id).where(
                Communication.entity_type == entity, Communication.entity_id.in_(ids), match
            )
        )
    )
    by_custom: dict[int, set[str]] = {}
    matched = await session.execute(
        select(CustomValue.record_id, CustomField.code)
        .join(CustomField, CustomField.id == CustomValue.field_id)
        .where(CustomValue.entity == entity, CustomValue.record_id.in_(ids), custom)
    )
    for record_id, code in matched.tuples():
        by_custom.setdefault(record_id, set()).add(code)
    envelopes = await envelopes_by_id(session, entity, ids)

    def shows(row: R) -> bool:
        hidden = policy.hidden_fields(envelopes[row.id])
        if row.id in by_communication and "communications" not in hidden:
            return True
        return bool(by_custom.get(row.id, set()) - hidden)

    return [row for row in rows if shows(row)]


def custom_match(wanted: dict[CommunicationKind, str]) -> ColumnElement[bool]:
    """Custom values equal to the phone (by its digits) or the e-mail (in lower case) of
    ``wanted``, in fields of those kinds."""
    terms = []
    phone, email = wanted.get(CommunicationKind.PHONE), wanted.get(CommunicationKind.EMAIL)
    if phone is not None:
        terms.append(CustomValue.digits == phone)
    if email is not None:
        emails = select(CustomField.id).where(CustomField.kind == CustomFieldKind.EMAIL)
        terms.append(CustomValue.field_id.in_(emails) & (CustomValue.text == email))
    return or_(false(), *terms)
