"""Activity events: an activity added, changed or deleted, for live reports only.

An activity is read through any record it is bound to, so its event's envelope holds the
access envelope of each of those records (as CRM events store theirs); a live subscriber may
see the event when it may read any of them. These events are not feed entries (the feed has
no subject ``ACTIVITY``, and their kind is not a feed kind): they wake live reports
(resolvers/reports/live_watches.py) and nothing else. Written like every event, last in the
change's transaction (subscriptions/events.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from auth.policy import Envelope
from models.crm import CrmEntity
from resolvers.access.envelopes import envelopes_by_id
from resolvers.crm.event_access import envelope_from_json, envelope_json
from subscriptions.events import Changes, append_event

ACTIVITY = "ACTIVITY"
ACTIVITY_CHANGED = "ACTIVITY_CHANGED"


async def record_activity_changed(
    session: AsyncSession,
    actor_id: int | None,
    activity_id: int,
    owners: Sequence[tuple[CrmEntity, int]],
    changes: Changes,
) -> None:
    """The event of a change to the activity bound to ``owners``; the caller commits."""
    by_entity: dict[CrmEntity, list[int]] = defaultdict(list)
    for entity, pk in owners:
        by_entity[entity].append(pk)
    envelopes: list[dict[str, Any]] = []
    for entity, ids in sorted(by_entity.items(), key=lambda item: item[0].value):
        found = await envelopes_by_id(session, entity, sorted(set(ids)))
        envelopes.extend(envelope_json(found[pk]) for pk in sorted(found))
    await append_event(
        session,
        ACTIVITY_CHANGED,
        actor_id=actor_id,
        subject=(ACTIVITY, activity_id),
        scope=(ACTIVITY, activity_id),
        changes=changes,
        envelope={"entity": ACTIVITY, "owners": envelopes},
    )


def owner_envelopes(stored: dict[str, Any]) -> list[Envelope]:
    """The envelopes of the records an activity event's activity is bound to."""
    found = (envelope_from_json(owner) for owner in stored.get("owners", ()))
    return [envelope for envelope in found if envelope is not None]
