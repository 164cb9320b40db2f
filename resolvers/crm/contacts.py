"""Contacts: people, linked to any number of companies."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.crm import Company, Contact, ContactCompany, CrmEntity
from resolvers.context import RequestContext
from resolvers.crm import events
from resolvers.crm.common import (
    MAX_NAME,
    MAX_TITLE,
    list_records,
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


@dataclass(frozen=True)
class NewContact:
    first_name: str = ""
    last_name: str = ""
    position: str = ""
    company_ids: Sequence[int] = ()
    assigned_to_id: int | None = None
    opened: bool = True
    communications: Sequence[NewCommunication] = ()
    source_lead_id: int | None = None


@dataclass(frozen=True)
class ContactChanges:
    first_name: str | Missing = MISSING
    last_name: str | Missing = MISSING
    position: str | Missing = MISSING
    company_ids: Sequence[int] | Missing = MISSING
    assigned_to_id: int | Missing | None = MISSING
    opened: bool | Missing = MISSING
    communications: Sequence[NewCommunication] | Missing = MISSING


async def contacts_by_id(ctx: RequestContext, ids: list[int]) -> Sequence[Contact | None]:
    return await rows_by_id(ctx, visible_contacts(ctx), Contact.id, ids)


async def companies_by_contact_id(
    ctx: RequestContext, contact_ids: list[int]
) -> Sequence[list[Company]]:
    found: dict[int, list[Company]] = defaultdict(list)
    statement = (
        visible_companies(ctx)
        .join(ContactCompany, ContactCompany.company_id == Company.id)
        .where(ContactCompany.contact_id.in_(contact_ids))
        .add_columns(ContactCompany.contact_id)
        .order_by(Company.title, Company.id)
    )
    async with ctx.db() as session:
        for company, contact_id in (await session.execute(statement)).all():
            found[contact_id].append(company)
    return [found[pk] for pk in contact_ids]


async def get_contact(ctx: RequestContext, contact_id: int) -> Contact:
    ctx.require_viewer()
    contact = await ctx.loader(contacts_by_id).load(contact_id)
    if contact is None:
        raise NotFound(f"No contact with id {contact_id}", field="id")
    return contact


async def list_contacts(
    ctx: RequestContext, filter: Filter, order: Sequence[tuple[str, bool]], page: PageRequest
) -> Page[Contact]:
    return await list_records(
        ctx,
        visible_contacts(ctx),
        RECORD_FIELDS[CrmEntity.CONTACT],
        filter,
        order,
        page,
        counted=visible_contacts(ctx, bulk=True),
    )


def _names(first_name: str, last_name: str) -> tuple[str, str]:
    first = text(first_name, "firstName", max_length=MAX_NAME, required=False)
    last = text(last_name, "lastName", max_length=MAX_NAME, required=False)
    if not first and not last:
        raise BadInput("A contact needs a first or a last name", field="lastName")
    return first, last


def _link_ids(ids: Sequence[int], field: str) -> list[int]:
    if len(ids) > MAX_LINKS:
        raise BadInput(f"At most {MAX_LINKS} links", field=field)
    return list(dict.fromkeys(ids))


@dataclass(frozen=True)
class CheckedContact:
    new: NewContact
    first_name: str
    last_name: str
    position: str
    company_ids: list[int]
    communications: list[CleanCommunication]


def check_new_contact(new: NewContact) -> CheckedContact:
    """The contact's own fields checked, before anything touches the database."""
    first, last = _names(new.first_name, new.last_name)
    return CheckedContact(
        new=new,
        first_name=first,
        last_name=last,
        position=text(new.position, "position", max_length=MAX_TITLE, required=False),
        company_ids=_link_ids(new.company_ids, "companyIds"),
        communications=clean(new.communications),
    )


async def insert_contact(
    ctx: RequestContext, session: AsyncSession, checked: CheckedContact, author_id: int
) -> Contact:
    """Adds a checked contact to ``session`` (no commit): shared with lead conversion."""
    new = checked.new
    await require_all(
        session, visible_companies(ctx), Company.id, checked.company_ids, "companyIds"
    )
    await require_user(session, new.assigned_to_id, "assignedToId")
    contact = Contact(
        first_name=checked.first_name,
        last_name=checked.last_name,
        position=checked.position,
        assigned_to_id=author_id if new.assigned_to_id is None else new.assigned_to_id,
        created_by_id=author_id,
        opened=new.opened,
        source_lead_id=new.source_lead_id,
    )
    await guard_create(ctx, session, contact)
    session.add(contact)
    await session.flush()
    session.add_all(
        ContactCompany(contact_id=contact.id, company_id=pk) for pk in checked.company_ids
    )
    await replace_communications(session, CrmEntity.CONTACT, contact.id, checked.communications)
    return contact


async def create_contact(ctx: RequestContext, new: NewContact) -> Contact:
    viewer = ctx.require_viewer()
    checked = check_new_contact(new)
    async with ctx.db() as session:
        contact = await insert_contact(ctx, session, checked, viewer.user_id)
        await events.record_created(session, ctx, contact)
        await session.commit()
    ctx.forget_loaded()
    return contact


async def update_contact(ctx: RequestContext, contact_id: int, changes: ContactChanges) -> Contact:
    viewer = ctx.require_viewer()
    async with ctx.db() as session:
        await lock_for_write(session, Contact.id, contact_id)
        contact = await session.scalar(visible_contacts(ctx).where(Contact.id == contact_id))
        if contact is None:
            raise NotFound(f"No contact with id {contact_id}", field="id")
        before = await guard_update_allowed(ctx, session, contact)
        log = Changes()
        first = changes.first_name if isinstance(changes.first_name, str) else contact.first_name
        last = changes.last_name if isinstance(changes.last_name, str) else contact.last_name
        first, last = _names(first, last)
        log.set(contact, "first_name", first, "firstName")
        log.set(contact, "last_name", last, "lastName")
        if isinstance(changes.position, str):
            position = text(changes.position, "position", max_length=MAX_TITLE, required=False)
            log.set(contact, "position", position, "position")
        if changes.assigned_to_id is not MISSING:
            if changes.assigned_to_id is None:
                raise BadInput("A contact needs a responsible user", field="assignedToId")
            await require_user(session, changes.assigned_to_id, "assignedToId")
            log.set(contact, "assigned_to_id", changes.assigned_to_id, "assignedToId")
        if isinstance(changes.opened, bool):
            log.set(contact, "opened", changes.opened, "opened")
        if not isinstance(changes.company_ids, Missing):
            await _replace_companies(ctx, session, contact.id, changes.company_ids, log)
        if not isinstance(changes.communications, Missing):
            items = clean(changes.communications)
            old = await replace_communications(session, CrmEntity.CONTACT, contact.id, items)
            log.note("communications", old, summary(items))
        await guard_update(ctx, session, contact, before, log)
        write_changes(session, CrmEntity.CONTACT, contact.id, viewer.user_id, log)
        await events.record_updated(session, ctx, contact, log)
        await session.commit()
    ctx.forget_loaded()
    return contact


async def _replace_companies(
    ctx: RequestContext, session: AsyncSession, contact_id: int, ids: Sequence[int], log: Changes
) -> None:
    wanted = _link_ids(ids, "companyIds")
    await require_all(session, visible_companies(ctx), Company.id, wanted, "companyIds")
    current = list(
        (
            await session.execute(
                select(ContactCompany.company_id)
                .where(ContactCompany.contact_id == contact_id)
                .order_by(ContactCompany.company_id)
            )
        ).scalars()
    )
    if sorted(wanted) == current:
        return
    await session.execute(delete(ContactCompany).where(ContactCompany.contact_id == contact_id))
    session.add_all(ContactCompany(contact_id=contact_id, company_id=pk) for pk in wanted)
    log.note("companyIds", ",".join(map(str, current)), ",".join(map(str, sorted(wanted))))


async def delete_contact(ctx: RequestContext, contact_id: int) -> int:
    ctx.require_viewer()
    async with ctx.db() as session:
        await lock_for_write(session, Contact.id, contact_id)
        contact = await session.scalar(visible_contacts(ctx).where(Contact.id == contact_id))
        if contact is None:
            raise NotFound(f"No contact with id {contact_id}", field="id")
        await guard_delete(ctx, session, contact)
        await forget_record(session, CrmEntity.CONTACT, contact.id)
        await session.delete(contact)
        await events.record_deleted(session, ctx, contact)
        await session.commit()
    ctx.forget_loaded()
    return contact_id
