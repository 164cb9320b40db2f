"""What goes when a CRM record is deleted: everything that names it without a foreign key
(communications, timeline, activity bindings, task links, notifications about it,
attachments: their files are removed after the commit, ``resolvers/files/forget.py``).

Feed events stay in the log: the `feed` query and replay show an event only while its
record is readable, and ids are never handed out again, so they never name another record.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import OwnerKind, TaskCrmLink
from models.crm import Activity, ActivityBinding, Communication, CrmEntity, TimelineEntry
from resolvers.crm.custom_values import forget_custom_values
from resolvers.files.forget import forget_attachments
from resolvers.notifications import forget_notifications


async def forget_record(session: AsyncSession, entity: CrmEntity, entity_id: int) -> None:
    """Delete what points at a record polymorphically (no foreign key does it for us).

    Activities bound to this record only are deleted too; shared ones lose this binding."""
    await forget_custom_values(session, entity, entity_id)
    await forget_attachments(session, OwnerKind(entity.value), [entity_id])
    await session.execute(
        delete(Communication).where(
            Communication.entity_type == entity, Communication.entity_id == entity_id
        )
    )
    await session.execute(
        delete(TimelineEntry).where(
            TimelineEntry.entity_type == entity, TimelineEntry.entity_id == entity_id
        )
    )
    await session.execute(
        delete(TaskCrmLink).where(
            TaskCrmLink.entity_type == entity.value, TaskCrmLink.entity_id == entity_id
        )
    )
    await forget_notifications(session, entity.value, [entity_id])
    bound = select(ActivityBinding.activity_id).where(
        ActivityBinding.entity_type == entity, ActivityBinding.entity_id == entity_id
    )
    activity_ids = list((await session.execute(bound)).scalars())
    await session.execute(
        delete(ActivityBinding).where(
            ActivityBinding.entity_type == entity, ActivityBinding.entity_id == entity_id
        )
    )
    if activity_ids:
        still_bound = select(ActivityBinding.activity_id).where(
            ActivityBinding.activity_id.in_(activity_ids)
        )
        await session.execute(
            delete(Activity).where(Activity.id.in_(activity_ids), Activity.id.not_in(still_bound))
        )
