"""The policy epoch: bumped in the transaction of every change that may alter access."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from models import POLICY_EPOCH_ID, PolicyEpoch


async def bump_policy_epoch(session: AsyncSession) -> None:
    """Makes every process recompile every viewer's policy on their next request.

    Call it before committing a change to roles, their grants or assignments, or to a user's
    department or admin right. The row lock it takes also orders concurrent policy changes.
    """
    bumped = await session.execute(
        update(PolicyEpoch)
        .where(PolicyEpoch.id == POLICY_EPOCH_ID)
        .values(epoch=PolicyEpoch.epoch + 1)
        .returning(PolicyEpoch.epoch)
    )
    if bumped.scalar_one_or_none() is None:
        # Only a database emptied by hand lacks the row the migration seeds.
        session.add(PolicyEpoch(id=POLICY_EPOCH_ID, epoch=1))
        await session.flush()
