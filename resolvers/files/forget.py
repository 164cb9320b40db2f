"""When an owner goes, its attachments go: the rows in the owner's transaction, the stored
bytes once it has committed (a rolled-back deletion must not lose files).

``forget_attachments`` deletes the rows and notes their keys on the session;
``discard_files``, called after the commit, removes those keys from the store. A rollback
forgets the notes. A file whose removal fails stays behind unnamed (logged): storage
wasted, nothing exposed, since only a row's key can reach it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, delete, event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from models import Attachment, OwnerKind
from resolvers.files.storage import FileStore

log = logging.getLogger(__name__)

DISCARDED = "crmhub.discarded_files"


async def forget_attachments(
    session: AsyncSession, kind: OwnerKind, owner_ids: Sequence[int] | Select[Any]
) -> None:
    """Deletes the attachments of these owners; their files go at ``discard_files``."""
    owned = (Attachment.owner_kind == kind.value) & Attachment.owner_id.in_(owner_ids)
    keys = list(await session.scalars(select(Attachment.storage_key).where(owned)))
    if not keys:
        return
    await session.execute(delete(Attachment).where(owned))
    session.info.setdefault(DISCARDED, []).extend(keys)


def note_discarded(session: AsyncSession, key: str) -> None:
    session.info.setdefault(DISCARDED, []).append(key)


async def discard_files(store: FileStore, session: AsyncSession) -> None:
    """After a commit: removes the files of the attachments it deleted."""
    for key in session.info.pop(DISCARDED, []):
        try:
            await store.delete(key)
        except Exception:
            log.exception("could not remove stored file %s", key)


@event.listens_for(Session, "after_rollback")
def _keep_files_of_rolled_back_deletions(session: Session) -> None:
    session.info.pop(DISCARDED, None)
