"""A small company with CRM records of every kind of ownership, written straight to the
database, for the access-policy tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.policy import Envelope
from auth.viewer import Viewer
from models import Department, SessionFactory, User
from models.crm import Company, Contact, CrmEntity, Deal, DealStage, Lead, LeadStatus, Pipeline
from tests.factories import password_hash

# Who is responsible for a record, seen from the viewer, who works in Sales:
# Root ⊃ Sales ⊃ North, Root ⊃ Other.
OWNERS = ("self", "colleague", "sub", "parent", "other", "nobody")

MODELS: dict[CrmEntity, Any] = {
    CrmEntity.LEAD: Lead,
    CrmEntity.CONTACT: Contact,
    CrmEntity.COMPANY: Company,
    CrmEntity.DEAL: Deal,
}


@dataclass
class Record:
    id: int
    owner: str
    opened: bool
    envelope: Envelope


@dataclass
class World:
    viewer: Viewer
    users: dict[str, User]
    departments: dict[str, Department]
    lead_statuses: list[int]
    pipeline_id: int
    stages: dict[str, int]
    records: dict[CrmEntity, list[Record]] = field(default_factory=dict)

    def by_id(self, entity: CrmEntity) -> dict[int, Record]:
        return {record.id: record for record in self.records[entity]}


async def build_world(session_factory: SessionFactory, *, statuses: bool = False) -> World:
    """Users of every department, and for each entity one record per owner and opened flag
    (per status too, when ``statuses``: every lead status and deal stage)."""
    async with session_factory() as session:
        root = await _department(session, "Root", None)
        sales = await _department(session, "Sales", root)
        north = await _department(session, "North", sales)
        other = await _department(session, "Other", root)
        homes = {"self": sales, "colleague": sales, "sub": north, "parent": root, "other": other}
        users = {name: _user(name, home) for name, home in homes.items()}
        session.add_all(users.values())
        await session.flush()
        lead_statuses = list((await session.scalars(select(LeadStatus.id))).all())
        lead_keys: list[int | None] = list(lead_statuses)
        pipeline_id = await session.scalar(select(Pipeline.id).where(Pipeline.is_default))
        assert pipeline_id is not None
        stage_rows = (
            (
                await session.execute(
                    select(DealStage.name, DealStage.id).where(DealStage.pipeline_id == pipeline_id)
                )
            )
            .tuples()
            .all()
        )
        stages: dict[str, int] = dict(stage_rows)
        department_of = {name: homes[name].path for name in homes}
        world = World(
            viewer=Viewer(
                user_id=users["self"].id,
                is_admin=False,
                department_id=sales.id,
                department_path=sales.path,
                token_id=0,
            ),
            users=users,
            departments={"root": root, "sales": sales, "north": north, "other": other},
            lead_statuses=lead_statuses,
            pipeline_id=pipeline_id,
            stages=stages,
        )
        status_sets: dict[CrmEntity, list[int | None]] = {
            CrmEntity.LEAD: lead_keys if statuses else lead_keys[:1],
            CrmEntity.CONTACT: [None],
            CrmEntity.COMPANY: [None],
            CrmEntity.DEAL: [*stages.values()] if statuses else [stages["New"]],
        }
        for entity, status_ids in status_sets.items():
            world.records[entity] = []
            for status_id in status_ids:
                for owner in OWNERS:
                    for opened in (False, True):
                        responsible = users[owner].id if owner != "nobody" else None
                        row = _record(entity, responsible, opened, status_id, pipeline_id)
                        session.add(row)
                        await session.flush()
                        envelope = Envelope(
                            entity=entity,
                            responsible_id=responsible,
                            responsible_department_path=department_of.get(owner, ""),
                            opened=opened,
                            status_id=status_id,
                        )
                        world.records[entity].append(Record(row.id, owner, opened, envelope))
        await session.commit()
    return world


def _record(
    entity: CrmEntity, responsible: int | None, opened: bool, status_id: int | None, pipeline: int
) -> Any:
    common: dict[str, Any] = {"assigned_to_id": responsible, "opened": opened}
    if entity is CrmEntity.LEAD:
        return Lead(title="lead", status_id=status_id, **common)
    if entity is CrmEntity.CONTACT:
        return Contact(first_name="c", **common)
    if entity is CrmEntity.COMPANY:
        return Company(title="company", **common)
    return Deal(title="deal", pipeline_id=pipeline, stage_id=status_id, currency="EUR", **common)


async def _department(session: AsyncSession, name: str, parent: Department | None) -> Department:
    department = Department(name=name, parent_id=parent.id if parent else None, path="")
    session.add(department)
    await session.flush()
    department.path = f"{parent.path if parent else '/'}{department.id}/"
    return department


def _user(name: str, department: Department) -> User:
    return User(
        email=f"{name}@example.com",
        name=name.title(),
        department_id=department.id,
        is_admin=False,
        active=True,
        password_hash=password_hash(),
    )
