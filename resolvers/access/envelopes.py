"""Envelopes of CRM records: what the policy judges a record by, read from the database.

The write paths build one before a change and one after it (``envelope_of`` on the changed
row, before commit); events carry the same envelope for the subscriptions' checks.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import null, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.policy import RECORD_COLUMNS, Envelope
from auth.policy.entities import RECORD_MODELS
from models import Department, User
from models.crm import Company, Contact, CrmEntity, Deal, Lead
from resolvers.context import RequestContext

_ENTITIES: dict[type, CrmEntity] = {model: entity for entity, model in RECORD_MODELS.items()}


async def envelopes_by_id(
    session: AsyncSession, entity: CrmEntity, record_ids: Sequence[int]
) -> dict[int, Envelope]:
    """The envelopes of the records that exist among ``record_ids``, in one statement."""
    model, columns = RECORD_MODELS[entity], RECORD_COLUMNS[entity]
    status = columns.status if columns.status is not None else null()
    rows = await session.execute(
        select(model.id, columns.responsible, columns.opened, Department.path, status)
        .outerjoin(User, User.id == columns.responsible)
        .outerjoin(Department, Department.id == User.department_id)
        .where(model.id.in_(record_ids))
    )
    return {
        record_id: Envelope(
            entity=entity,
            responsible_id=responsible_id,
            responsible_department_path=path or "",
            opened=opened,
            status_id=status_id,
        )
        for record_id, responsible_id, opened, path, status_id in rows.tuples()
    }


CrmRecord = Lead | Contact | Company | Deal


async def envelope_of(session: AsyncSession, record: CrmRecord) -> Envelope:
    """The envelope of a record row as it stands in memory (changed, or not yet flushed):
    only the responsible user's department is read."""
    path = None
    if record.assigned_to_id is not None:
        path = await session.scalar(
            select(Department.path)
            .join(User, User.department_id == Department.id)
            .where(User.id == record.assigned_to_id)
        )
    return envelope_from(record, path or "")


def envelope_from(record: CrmRecord, responsible_department_path: str) -> Envelope:
    """The envelope of a loaded row, given its responsible user's department path (from
    ``department_paths_by_user_id``): how a CRM type resolves its ``access`` field."""
    return Envelope(
        entity=_ENTITIES[type(record)],
        responsible_id=record.assigned_to_id,
        responsible_department_path=responsible_department_path,
        opened=record.opened,
        status_id=_status_of(record),
    )


async def department_paths_by_user_id(
    ctx: RequestContext, user_ids: list[int | None]
) -> Sequence[str]:
    """Loader batch: each user's department path ("" for none), for envelopes of a page of
    records in one statement."""
    known = [user_id for user_id in user_ids if user_id is not None]
    async with ctx.db() as session:
        rows = await session.execute(
            select(User.id, Department.path)
            .join(Department, Department.id == User.department_id)
            .where(User.id.in_(known))
        )
        paths = dict(rows.tuples().all())
    return [paths.get(user_id, "") if user_id is not None else "" for user_id in user_ids]


def _status_of(record: CrmRecord) -> int | None:
    if isinstance(record, Lead):
        return record.status_id
    if isinstance(record, Deal):
        return record.stage_id
    return None
