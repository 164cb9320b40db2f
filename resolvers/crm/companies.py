"""Companies: organisations, with their contacts (many to many) and deals."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.crm import Company, Contact, ContactCompany, CrmEntity
from resolvers.context import RequestContext
from resolvers.crm import events
from resolvers.crm.common import (
    MAX_NAME,
    MAX_TEXT,
    MAX_TITLE,
    list_records,
    money,
    require_all,
    require_user,
    rows_by_id,
)
from resolvers.crm.communications import (
    CleanCommunication,
    NewCommunication,
    clean,
    replace_communications,
    summary,
)
from resolvers.crm.fields import RECORD_FIELDS
from resolvers.crm.filtering import Filter
from resolvers.crm.guards import guard_create, guard_delete, guard_update, guard_update_allowed
from resolvers.crm.removal import forget_record
from resolvers.crm.timeline import Changes, write_changes
from resolvers.crm.visibility import visible_companies, visible_contacts
from resolvers.errors import BadInput, NotFound
from resolvers.locking import lock_for_write
from resolvers.pagination import Page, PageRequest
from resolvers.patch import MISSING, Missing
from resolvers.validation import text

MAX_LINKS = 50
MAX_EMPLOYEES = 10_000_000


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


@dataclass(frozen=True)
class CompanyChanges:
    title: str | Missing = MISSING
    industry: str | Missing = MISSING
    revenue: Decimal | Missing | None = MISSING
    employees: int | Missing | None = MISSING
    address: str | Missing = MISSING
    contact_ids: Sequence[int] | Missing = MISSING
    assigned_to_id: int | Missing | None = MISSING
    opened: bool | Missing = MISSING
    communications: Sequence[NewCommunication] | Missing = MISSING


async def companies_by_id(ctx: RequestContext, ids: list[int]) -> Sequence[Company | None]:
    return await rows_by_id(ctx, visible_companies(ctx), Company.id, ids)


async def contacts_by_company_id(
    ctx: RequestContext, company_ids: list[int]
) -> Sequence[list[Contact]]:
    found: dict[int, list[Contact]] = defaultdict(list)
    statement = (
        visible_contacts(ctx)
        .join(ContactCompany, ContactCompany.contact_id == Contact.id)
        .where(ContactCompany.company_id.in_(company_ids))
        .add_columns(ContactCompany.company_id)
        .order_by(Contact.last_name, Contact.first_name, Contact.id)
    )
    async with ctx.db() as session:
        for contact, company_id in (await session.execute(statement)).all():
            found[company_id].append(contact)
    return [found[pk] for pk in company_ids]


async def get_company(ctx: RequestContext, company_id: int) -> Company:
    ctx.require_viewer()
    company = await ctx.loader(companies_by_id).load(company_id)
    if company is None:
        raise NotFound(f"No company with id {company_id}", field="id")
    return company


async def list_companies(
    ctx: RequestContext, filter: Filter, order: Sequence[tuple[str, bool]], page: PageRequest
) -> Page[Company]:
    return await list_records(
        ctx,
        visible_companies(ctx),
        RECORD_FIELDS[CrmEntity.COMPANY],
        filter,
        order,
        page,
        counted=visible_companies(ctx, bulk=True),
    )


def _employees(value: int | None) -> int | None:
    if value is not None and not 0 <= value <= MAX_EMPLOYEES:
        raise BadInput(f"'employees' must be between 0 and {MAX_EMPLOYEES}", field="employees")
    return value


def _revenue(value: Decimal | None) -> Decimal | None:
    return None if value is None else money(value, "revenue")


def _link_ids(ids: Sequence[int], field: str) -> list[int]:
    if len(ids) > MAX_LINKS:
        raise BadInput(f"At most {MAX_LINKS} links", field=field)
    return list(dict.fromkeys(ids))


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
    _employees(new.employees)
    _revenue(new.revenue)
    return CheckedCompany(
        new=new,
        title=text(new.title, "title", max_length=MAX_TITLE),
        industry=text(new.industry, "industry", max_length=MAX_NAME, required=False),
        address=text(new.address, "address", max_length=MAX_TEXT, required=False),
        contact_ids=_link_ids(new.contact_ids, "contactIds"),
        communications=clean(new.communications),
    )


async def insert_company(
    ctx: RequestContext, session: AsyncSession, checked: CheckedCompany, author_id: int
) -> Company:
    """Adds a checked company to ``session`` (no commit): shared with lead conversion."""
    new = checked.new
    await require_all(session, visible_contacts(ctx), Contact.id, checked.contact_ids, "contactIds")
    await require_user(session, new.assigned_to_id, "assignedToId")
    company = Company(
        title=checked.title,
        industry=checked.industry,
        revenue=_revenue(new.revenue),
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
    session.add_all(
        ContactCompany(contact_id=pk, company_id=company.id) for pk in checked.contact_ids
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


async def update_company(ctx: RequestContext, company_id: int, changes: CompanyChanges) -> Company:
    viewer = ctx.require_viewer()
    async with ctx.db() as session:
        await lock_for_write(session, Company.id, company_id)
        company = await session.scalar(visible_companies(ctx).where(Company.id == company_id))
        if company is None:
            raise NotFound(f"No company with id {company_id}", field="id")
        before = await guard_update_allowed(ctx, session, company)
        log = Changes()
        if isinstance(changes.title, str):
            log.set(company, "title", text(changes.title, "title", max_length=MAX_TITLE), "title")
        if isinstance(changes.industry, str):
            industry = text(changes.industry, "industry", max_length=MAX_NAME, required=False)
            log.set(company, "industry", industry, "industry")
        if isinstance(changes.address, str):
            address = text(changes.address, "address", max_length=MAX_TEXT, required=False)
            log.set(company, "address", address, "address")
        if changes.revenue is not MISSING:
            log.set(company, "revenue", _revenue(changes.revenue), "revenue")
        if changes.employees is not MISSING:
            log.set(company, "employees", _employees(changes.employees), "employees")
        if changes.assigned_to_id is not MISSING:
            if changes.assigned_to_id is None:
                raise BadInput("A company needs a responsible user", field="assignedToId")
            await require_user(session, changes.assigned_to_id, "assignedToId")
            log.set(company, "assigned_to_id", changes.assigned_to_id, "assignedToId")
        if isinstance(changes.opened, bool):
            log.set(company, "opened", changes.opened, "opened")
        if not isinstance(changes.contact_ids, Missing):
            await _replace_contacts(ctx, session, company.id, changes.contact_ids, log)
        if not isinstance(changes.communications, Missing):
            items = clean(changes.communications)
            old = await replace_communications(session, CrmEntity.COMPANY, company.id, items)
            log.note("communications", old, summary(items))
        await guard_update(ctx, session, company, before, log)
        write_changes(session, CrmEntity.COMPANY, company.id, viewer.user_id, log)
        await events.record_updated(session, ctx, company, log)
        await session.commit()
    ctx.forget_loaded()
    return company


async def _replace_contacts(
    ctx: RequestContext, session: AsyncSession, company_id: int, ids: Sequence[int], log: Changes
) -> None:
    wanted = _link_ids(ids, "contactIds")
    await require_all(session, visible_contacts(ctx), Contact.id, wanted, "contactIds")
    current = list(
        (
            await session.execute(
                select(ContactCompany.contact_id)
                .where(ContactCompany.company_id == company_id)
                .order_by(ContactCompany.contact_id)
            )
        ).scalars()
    )
    if sorted(wanted) == current:
        return
    await session.execute(delete(ContactCompany).where(ContactCompany.company_id == company_id))
    session.add_all(ContactCompany(contact_id=pk, company_id=company_id) for pk in wanted)
    log.note("contactIds", ",".join(map(str, current)), ",".join(map(str, sorted(wanted))))


async def delete_company(ctx: RequestContext, company_id: int) -> int:
    ctx.require_viewer()
    async with ctx.db() as session:
        await lock_for_write(session, Company.id, company_id)
        company = await session.scalar(visible_companies(ctx).where(Company.id == company_id))
        if company is None:
            raise NotFound(f"No company with id {company_id}", field="id")
        await guard_delete(ctx, session, company)
        await forget_record(session, CrmEntity.COMPANY, company.id)
        await session.delete(company)
        await events.record_deleted(session, ctx, company)
        await session.commit()
    ctx.forget_loaded()
    return company_id
