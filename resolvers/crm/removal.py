"""What goes when a CRM record is deleted: its communications, timeline and activity links."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.crm import Activity, ActivityBinding, Communication, CrmEntity, TimelineEntry


async def forget_record(session: AsyncSession, entity: CrmEntity, entity_id: int) -> None:
    """Delete what points at a record polymorphically (no foreign key does it for us).

    Activities bound to this record only are deleted too; shared ones lose this binding."""
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
