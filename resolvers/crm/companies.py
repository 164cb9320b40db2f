"""Companies: organisations, with their contacts (many to many) and deals."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from models.crm import Company, Contact, ContactCompany, CrmEntity
from models.crm.entities import COMPANY, listing_order
from resolvers.context import RequestContext
from resolvers.crm import events
from resolvers.crm.common import require_user
from resolvers.crm.communications import (
    CleanCommunication,
    NewCommunication,
    clean,
    replace_communications,
)
from resolvers.crm.custom_values import CustomInput, write_custom
from resolvers.crm.guards import guard_create
from resolvers.crm.records import checked_value, insert_links, link_ids, require_linkable
from resolvers.crm.timeline import Changes
from resolvers.crm.visibility import visible_contacts


@dataclass(frozen=True)
class NewCompany:
    title: str
    industry: str = ""
    revenue: Decimal | None = None
    employees: int | None = None
    address: str = ""
    contact_ids: Sequence[int] = ()
    assigned_to_id: int | None = None
    opened: bool = True
    communications: Sequence[NewCommunication] = ()
    source_lead_id: int | None = None
    # None for a record no client filled in (a conversion): required fields may stay empty.
    custom_fields: Sequence[CustomInput] | None = None


async def contacts_by_company_id(
    ctx: RequestContext, company_ids: list[int]
) -> Sequence[list[Contact]]:
    found: dict[int, list[Contact]] = defaultdict(list)
    statement = (
        visible_contacts(ctx)
        .join(ContactCompany, ContactCompany.contact_id == Contact.id)
        .where(ContactCompany.company_id.in_(company_ids))
        .add_columns(ContactCompany.company_id)
        .order_by(*listing_order(CrmEntity.CONTACT, Contact.__table__))
    )
    async with ctx.db() as session:
        for contact, company_id in (await session.execute(statement)).all():
            found[company_id].append(contact)
    return [found[pk] for pk in company_ids]


@dataclass(frozen=True)
class CheckedCompany:
    new: NewCompany
    title: str
    industry: str
    address: str
    contact_ids: list[int]
    communications: list[CleanCommunication]


def check_new_company(new: NewCompany) -> CheckedCompany:
    """The company's own fields checked, before anything touches the database."""
    checked_value(COMPANY.field("employees"), new.employees)
    checked_value(COMPANY.field("revenue"), new.revenue)
    return CheckedCompany(
        new=new,
        title=checked_value(COMPANY.field("title"), new.title),
        industry=checked_value(COMPANY.field("industry"), new.industry),
        address=checked_value(COMPANY.field("address"), new.address),
        contact_ids=link_ids(COMPANY.field("contacts"), new.contact_ids),
        communications=clean(new.communications),
    )


async def insert_company(
    ctx: RequestContext, session: AsyncSession, checked: CheckedCompany, author_id: int
) -> Company:
    """Adds a checked company to ``session`` (no commit): shared with lead conversion."""
    new = checked.new
    await require_linkable(ctx, session, COMPANY.field("contacts"), checked.contact_ids)
    await require_user(session, new.assigned_to_id, "assignedToId")
    company = Company(
        title=checked.title,
        industry=checked.industry,
        revenue=checked_value(COMPANY.field("revenue"), new.revenue),
        employees=new.employees,
        address=checked.address,
        assigned_to_id=author_id if new.assigned_to_id is None else new.assigned_to_id,
        created_by_id=author_id,
        opened=new.opened,
        source_lead_id=new.source_lead_id,
    )
    await guard_create(ctx, session, company)
    session.add(company)
    await session.flush()
    insert_links(session, COMPANY.field("contacts"), company.id, checked.contact_ids)
    await write_custom(
        ctx,
        session,
        CrmEntity.COMPANY,
        company.id,
        new.custom_fields or (),
        Changes(),
        creating=True,
        enforce_required=new.custom_fields is not None,
    )
    await replace_communications(session, CrmEntity.COMPANY, company.id, checked.communications)
    return company


async def create_company(ctx: RequestContext, new: NewCompany) -> Company:
    viewer = ctx.require_viewer()
    checked = check_new_company(new)
    async with ctx.db() as session:
        company = await insert_company(ctx, session, checked, viewer.user_id)
        await events.record_created(session, ctx, company)
        await session.commit()
    ctx.forget_loaded()
    return company
