"""Contacts: people, linked to any number of companies."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from models.crm import Company, Contact, ContactCompany, CrmEntity
from models.crm.entities import CONTACT, listing_order
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
from resolvers.crm.records import (
    UpdateHooks,
    checked_value,
    insert_links,
    link_ids,
    require_linkable,
)
from resolvers.crm.timeline import Changes
from resolvers.crm.visibility import visible_companies
from resolvers.errors import BadInput


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
    # None for a record no client filled in (a conversion): required fields may stay empty.
    custom_fields: Sequence[CustomInput] | None = None


async def companies_by_contact_id(
    ctx: RequestContext, contact_ids: list[int]
) -> Sequence[list[Company]]:
    found: dict[int, list[Company]] = defaultdict(list)
    statement = (
        visible_companies(ctx)
        .join(ContactCompany, ContactCompany.company_id == Company.id)
        .where(ContactCompany.contact_id.in_(contact_ids))
        .add_columns(ContactCompany.contact_id)
        .order_by(*listing_order(CrmEntity.COMPANY, Company.__table__))
    )
    async with ctx.db() as session:
        for company, contact_id in (await session.execute(statement)).all():
            found[contact_id].append(company)
    return [found[pk] for pk in contact_ids]


def _names(first_name: str, last_name: str) -> tuple[str, str]:
    first = checked_value(CONTACT.field("firstName"), first_name)
    last = checked_value(CONTACT.field("lastName"), last_name)
    if not first and not last:
        raise BadInput("A contact needs a first or a last name", field="lastName")
    return first, last


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
        position=checked_value(CONTACT.field("position"), new.position),
        company_ids=link_ids(CONTACT.field("companies"), new.company_ids),
        communications=clean(new.communications),
    )


async def insert_contact(
    ctx: RequestContext, session: AsyncSession, checked: CheckedContact, author_id: int
) -> Contact:
    """Adds a checked contact to ``session`` (no commit): shared with lead conversion."""
    new = checked.new
    await require_linkable(ctx, session, CONTACT.field("companies"), checked.company_ids)
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
    insert_links(session, CONTACT.field("companies"), contact.id, checked.company_ids)
    await write_custom(
        ctx,
        session,
        CrmEntity.CONTACT,
        contact.id,
        new.custom_fields or (),
        Changes(),
        creating=True,
        enforce_required=new.custom_fields is not None,
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


def _name_rule(contact: Contact, given: frozenset[str]) -> None:
    """A contact keeps a first or a last name."""
    if {"firstName", "lastName"} & given and not (contact.first_name or contact.last_name):
        raise BadInput("A contact needs a first or a last name", field="lastName")


UPDATE_HOOKS = UpdateHooks(check=_name_rule)
