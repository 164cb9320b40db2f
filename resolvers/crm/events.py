"""CRM events and assignment notifications, written in the transaction of the change.

Each CRM mutation makes one call here, right before its commit, after its own row changes:
``record_event`` flushes them and then takes the event log's lock (subscriptions/events.py),
so row locks are never awaited while the log lock is held. Notifications are plain inserts
and follow the event.

An event's scope is the record itself; its envelope is the record's access envelope as JSON
(see resolvers/crm/event_access.py), taken after the change, so a subscriber judges the
record as the change left it. Values in ``changes`` are the timeline's texts ([old, new]),
ids stay numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import AccessAction, Department, User
from models.crm import Company, Contact, Deal, DealStage, Lead, Semantics
from resolvers.access.envelopes import CrmRecord, envelope_of
from resolvers.access.explain import policy_of_user
from resolvers.context import RequestContext
from resolvers.crm.event_access import envelope_json
from resolvers.crm.timeline import Changes
from resolvers.notifications import NotificationKind, actor_name, notify
from subscriptions.events import EventKind, record_event

_SUBJECT_TYPE = {Lead: "LEAD", Contact: "CONTACT", Company: "COMPANY", Deal: "DEAL"}
_CREATED = {
    Lead: EventKind.LEAD_CREATED,
    Contact: EventKind.CONTACT_CREATED,
    Company: EventKind.COMPANY_CREATED,
    Deal: EventKind.DEAL_CREATED,
}
_UPDATED = {
    Lead: EventKind.LEAD_UPDATED,
    Contact: EventKind.CONTACT_UPDATED,
    Company: EventKind.COMPANY_UPDATED,
    Deal: EventKind.DEAL_UPDATED,
}
_DELETED = {
    Lead: EventKind.LEAD_DELETED,
    Contact: EventKind.CONTACT_DELETED,
    Company: EventKind.COMPANY_DELETED,
    Deal: EventKind.DEAL_DELETED,
}
_ASSIGNED = {
    Lead: NotificationKind.LEAD_ASSIGNED,
    Contact: NotificationKind.CONTACT_ASSIGNED,
    Company: NotificationKind.COMPANY_ASSIGNED,
    Deal: NotificationKind.DEAL_ASSIGNED,
}
# What a creation event shows of the new record: {changes key: attribute}.
_CREATED_FIELDS: dict[type, dict[str, str]] = {
    Lead: {"title": "title", "statusId": "status_id", "sourceId": "source_id"},
    Contact: {"firstName": "first_name", "lastName": "last_name", "position": "position"},
    Company: {
        "title": "title",
        "industry": "industry",
        "revenue": "revenue",
        "employees": "employees",
    },
    Deal: {
        "title": "title",
        "stageId": "stage_id",
        "amount": "amount",
        "currency": "currency",
        "probability": "probability",
        "companyId": "company_id",
    },
}
_COMMON_FIELDS = {"assignedToId": "assigned_to_id", "opened": "opened"}
# Changes that can move a record in or out of a viewer's sight.
_SIGHT_KEYS = frozenset({"assignedToId", "opened", "stageId", "statusId"})
_OUTCOME = {Semantics.PROCESS: "OPEN", Semantics.SUCCESS: "WON", Semantics.FAILURE: "LOST"}


# Any CRM record: leads, contacts, companies, deals


async def record_created(
    session: AsyncSession,
    ctx: RequestContext,
    record: CrmRecord,
    already_told: Iterable[int] = (),
) -> set[int]:
    """The creation event; the responsible user is told unless they created it. Returns who
    was told."""
    snapshot = Changes()
    fields = {**_CREATED_FIELDS[type(record)], **_COMMON_FIELDS}
    for key, attribute in fields.items():
        snapshot.note(key, None, getattr(record, attribute))
    await _record(session, ctx, _CREATED[type(record)], record, _changes_of(snapshot))
    return await _tell_assignee(session, ctx, record, already_told)


async def record_updated(
    session: AsyncSession, ctx: RequestContext, record: CrmRecord, log: Changes
) -> None:
    """An event when something changed; a reassignment tells the new responsible user."""
    changes = _changes_of(log)
    if not changes:
        return
    await _record(session, ctx, _UPDATED[type(record)], record, changes)
    if "assignedToId" in changes:
        await _tell_assignee(session, ctx, record)


async def record_deleted(session: AsyncSession, ctx: RequestContext, record: CrmRecord) -> None:
    """Names what is gone: the record can no longer be loaded as the event's subject."""
    await _record(session, ctx, _DELETED[type(record)], record, {"name": [_name_of(record), None]})


# Deal stage moves and lead conversions


async def deal_stage_moved(
    session: AsyncSession,
    ctx: RequestContext,
    deal: Deal,
    from_stage: DealStage,
    to_stage: DealStage,
    log: Changes,
) -> None:
    """Stage ids and names, their semantics and the outcome (OPEN, WON, LOST), closedAt."""
    changes = _changes_of(log)
    changes["stageId"] = [from_stage.id, to_stage.id]
    changes["semantics"] = [from_stage.semantics.value, to_stage.semantics.value]
    changes["outcome"] = [_OUTCOME[from_stage.semantics], _OUTCOME[to_stage.semantics]]
    await _record(session, ctx, EventKind.DEAL_STAGE_MOVED, deal, changes)


async def lead_converted(
    session: AsyncSession,
    ctx: RequestContext,
    lead: Lead,
    log: Changes,
    contact: Contact | None,
    company: Company | None,
    deal: Deal | None,
) -> None:
    """A creation event for each record the conversion made (those remembering the lead as
    their source; the others were linked), then LEAD_CONVERTED naming all of them. The
    responsible user hears about the conversion once, not once per new record: of the deal
    when one was made (what they will work on), else of the contact or company."""
    told: set[int] = set()
    for record in (deal, contact, company):
        if record is not None and record.source_lead_id == lead.id:
            told |= await record_created(session, ctx, record, already_told=told)
    changes = _changes_of(log)
    changes["contactId"] = [None, contact.id if contact else None]
    changes["companyId"] = [None, company.id if company else None]
    changes["dealId"] = [None, deal.id if deal else None]
    await _record(session, ctx, EventKind.LEAD_CONVERTED, lead, changes)


async def _record(
    session: AsyncSession,
    ctx: RequestContext,
    kind: EventKind,
    record: CrmRecord,
    changes: dict[str, list[Any]],
) -> None:
    envelope = await envelope_of(session, record)
    pipeline_id = record.pipeline_id if isinstance(record, Deal) else None
    subject = (_SUBJECT_TYPE[type(record)], record.id)
    stored = envelope_json(envelope, pipeline_id)
    previous = await _previous_envelope(session, stored, changes)
    if previous is not None:
        stored["previous"] = previous
    await record_event(
        session,
        kind,
        actor_id=ctx.require_viewer().user_id,
        subject=subject,
        scope=subject,
        changes=changes,
        envelope=stored,
    )


async def _previous_envelope(
    session: AsyncSession, stored: dict[str, Any], changes: dict[str, list[Any]]
) -> dict[str, Any] | None:
    """The envelope as it was before a change that can move the record in or out of
    someone's sight (responsible, opened, stage or status), so that a live subscriber who
    saw it before and no longer may is told it is gone (dealChanged's HIDDEN)."""
    if not _SIGHT_KEYS & changes.keys():
        return None
    previous = {key: value for key, value in stored.items() if key != "previous"}
    if "assignedToId" in changes:
        old = changes["assignedToId"][0]
        old_id = int(old) if old is not None else None
        previous["responsibleId"] = old_id
        previous["responsibleDepartmentPath"] = await _department_path(session, old_id)
    if "opened" in changes:
        previous["opened"] = changes["opened"][0] in (True, "true")
    for key in ("stageId", "statusId"):
        if key in changes and changes[key][0] is not None:
            previous["statusId"] = int(changes[key][0])
    return previous


async def _department_path(session: AsyncSession, user_id: int | None) -> str:
    if user_id is None:
        return ""
    path = await session.scalar(
        select(Department.path)
        .join(User, User.department_id == Department.id)
        .where(User.id == user_id)
    )
    return path or ""


async def _tell_assignee(
    session: AsyncSession,
    ctx: RequestContext,
    record: CrmRecord,
    already_told: Iterable[int] = (),
) -> set[int]:
    responsible = record.assigned_to_id
    actor_id = ctx.require_viewer().user_id
    if responsible is None or responsible == actor_id or responsible in set(already_told):
        return set()
    entity = _SUBJECT_TYPE[type(record)]
    actor = await actor_name(session, actor_id)
    if await _may_read_name(session, record, responsible):
        text = f"{actor} assigned {entity.lower()} {_name_of(record)} to you"
    else:
        text = f"{actor} assigned a {entity.lower()} to you"
    subject = (entity, record.id)
    return await notify(session, [responsible], _ASSIGNED[type(record)], subject, actor_id, text)


async def _may_read_name(session: AsyncSession, record: CrmRecord, user_id: int) -> bool:
    """Whether the user may read the record and its name fields, as the change leaves it: a
    notification's text must not tell what its recipient may not read (the intern assigned
    a won deal is told a deal was assigned, not which)."""
    policy, _active = await policy_of_user(session, user_id, "assignedToId")
    envelope = await envelope_of(session, record)
    name_fields = {"firstName", "lastName"} if isinstance(record, Contact) else {"title"}
    return policy.allows(AccessAction.READ, envelope) and not (
        name_fields & policy.hidden_fields(envelope)
    )


def _name_of(record: CrmRecord) -> str:
    if isinstance(record, Contact):
        return " ".join(part for part in (record.first_name, record.last_name) if part)
    return record.title


def _changes_of(log: Changes) -> dict[str, list[Any]]:
    return {field: [old, new] for field, old, new in log.entries}
