"""Rows for the GraphQL-level access suite: a viewer in Sales, and for one entity a record
per (owner, opened), each tied to "hub" records every test viewer may read, so that nested
relations, search and duplicates can be asked about each record.

Owners, seen from the viewer (Hugo Head, Sales): ``own`` (the viewer), ``same`` (a colleague
in Sales), ``sub`` (a member of North, below Sales), ``other`` (a user in Other, beside Sales).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from models import AccessLevel, Department, SessionFactory, User
from models.crm import (
    Communication,
    CommunicationKind,
    Company,
    Contact,
    ContactCompany,
    CrmEntity,
    Deal,
    DealContact,
    Lead,
)
from resolvers.crm.communications import normalized_for_lookup
from tests.crm.api import global_id
from tests.crm.factories import dictionaries
from tests.factories import Seed, password_hash

OWNERS = ("own", "same", "sub", "other")
LEVELS = tuple(AccessLevel)
PHONE = "+1 555 010 0100"
TOKEN = "zeta"
TYPE_NAMES = {
    CrmEntity.LEAD: "Lead",
    CrmEntity.CONTACT: "Contact",
    CrmEntity.COMPANY: "Company",
    CrmEntity.DEAL: "Deal",
}


def reaches(level: AccessLevel, owner: str, opened: bool) -> bool:
    """The expected answer, written from the issue's definitions (not from the engine)."""
    if level is AccessLevel.ALL:
        return True
    if level is AccessLevel.OPEN and opened:
        return True
    reached_by = {
        AccessLevel.NONE: (),
        AccessLevel.OWN: ("own",),
        AccessLevel.DEPARTMENT: ("own", "same"),
        AccessLevel.SUBDEPARTMENTS: ("own", "same", "sub"),
        AccessLevel.OPEN: ("own", "same", "sub"),
    }[level]
    return owner in reached_by


@dataclass(frozen=True)
class Target:
    """A record the viewer is asked about, and the hub record it hangs from."""

    owner: str
    opened: bool
    pk: int
    # The record through which a nested relation reaches this one (see ``nested_query``).
    hub_pk: int

    @property
    def key(self) -> str:
        return f"{self.owner}/{'opened' if self.opened else 'closed'}"


@dataclass(frozen=True)
class Table:
    entity: CrmEntity
    owners: dict[str, User]
    targets: list[Target]

    def id(self, target: Target) -> str:
        return global_id(TYPE_NAMES[self.entity], target.pk)


async def build_table(session_factory: SessionFactory, seed: Seed, entity: CrmEntity) -> Table:
    found = await dictionaries(session_factory)
    async with session_factory() as session:
        other_department = Department(name="Other", parent_id=seed.root.id, path="")
        session.add(other_department)
        await session.flush()
        other_department.path = f"{seed.root.path}{other_department.id}/"
        colleague = _user("colleague@example.com", seed.sales)
        outsider = _user("outsider@example.com", other_department)
        session.add_all([colleague, outsider])
        await session.flush()
        owners = {"own": seed.head, "same": colleague, "sub": seed.member, "other": outsider}
        targets = []
        for owner in OWNERS:
            for opened in (True, False):
                record = _record(entity, found, owners[owner].id, opened, f"{TOKEN} {owner}")
                session.add(record)
                await session.flush()
                hub = await _hub(session, entity, record, found)
                if entity is not CrmEntity.DEAL:
                    session.add(phone_of(entity, record.id))
                targets.append(Target(owner, opened, record.id, hub))
        await session.commit()
    return Table(entity, owners, targets)


def _user(email: str, department: Department) -> User:
    return User(
        email=email,
        name=email.split("@")[0].title(),
        position="",
        department_id=department.id,
        is_admin=False,
        active=True,
        password_hash=password_hash(),
    )


def _record(entity: CrmEntity, found: Any, owner_id: int, opened: bool, title: str) -> Any:
    common = {"assigned_to_id": owner_id, "created_by_id": owner_id, "opened": opened}
    if entity is CrmEntity.LEAD:
        return Lead(title=title, status_id=found.status_ids[0], **common)
    if entity is CrmEntity.CONTACT:
        return Contact(first_name=TOKEN, last_name=title, **common)
    if entity is CrmEntity.COMPANY:
        return Company(title=title, **common)
    return Deal(
        title=title,
        pipeline_id=found.pipeline_id,
        stage_id=found.stage_ids[0],
        amount=Decimal("100.00"),
        currency="USD",
        **common,
    )


async def _hub(session: Any, entity: CrmEntity, record: Any, found: Any) -> int:
    """A record related to ``record``, of another entity: the suite's roles grant READ ALL
    on every entity but the one under test, so the hub is always readable."""
    if entity is CrmEntity.DEAL:
        hub: Any = Company(title="Hub", opened=True)
        session.add(hub)
        await session.flush()
        record.company_id = hub.id
    elif entity is CrmEntity.COMPANY:
        hub = Contact(first_name="Hub", last_name="Contact", opened=True)
        session.add(hub)
        await session.flush()
        session.add(ContactCompany(contact_id=hub.id, company_id=record.id))
    elif entity is CrmEntity.CONTACT:
        hub = Deal(
            title="Hub",
            pipeline_id=found.pipeline_id,
            stage_id=found.stage_ids[0],
            amount=Decimal("1.00"),
            currency="USD",
            opened=True,
        )
        session.add(hub)
        await session.flush()
        session.add(DealContact(deal_id=hub.id, contact_id=record.id))
    else:
        hub = Deal(
            title="Hub",
            pipeline_id=found.pipeline_id,
            stage_id=found.stage_ids[0],
            amount=Decimal("1.00"),
            currency="USD",
            opened=True,
            source_lead_id=record.id,
        )
        session.add(hub)
        await session.flush()
    return int(hub.id)


def phone_of(entity: CrmEntity, record_id: int) -> Communication:
    return Communication(
        entity_type=entity,
        entity_id=record_id,
        kind=CommunicationKind.PHONE,
        value_type="WORK",
        value=PHONE,
        normalized=normalized_for_lookup(CommunicationKind.PHONE, PHONE, "phone"),
    )


# The hub of each entity: its type, and the nested selection that reaches the record.
HUBS: dict[CrmEntity, tuple[str, str]] = {
    CrmEntity.DEAL: ("Company", "... on Company { related: deals { id } }"),
    CrmEntity.COMPANY: ("Contact", "... on Contact { related: companies { id } }"),
    CrmEntity.CONTACT: ("Deal", "... on Deal { related: contacts { id } }"),
    CrmEntity.LEAD: ("Deal", "... on Deal { related: sourceLead { id } }"),
}
LISTS = {
    CrmEntity.LEAD: "leads",
    CrmEntity.CONTACT: "contacts",
    CrmEntity.COMPANY: "companies",
    CrmEntity.DEAL: "deals",
}
