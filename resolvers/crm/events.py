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

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import AccessAction, Department, User
from models.crm import Company, Contact, Deal, DealStage, Lead, Semantics
from models.crm.entities import (
    MERGED_IDS_KEY,
    MERGED_NAMES_KEY,
    NAME_KEY,
    EntityDeclaration,
    declaration_of_model,
)
from resolvers.access.envelopes import CrmRecord, envelope_of
from resolvers.access.explain import policy_of_user
from resolvers.context import RequestContext
from resolvers.crm.custom_values import note_custom_values
from resolvers.crm.event_access import envelope_json
from resolvers.crm.timeline import Changes
from resolvers.notifications import NotificationKind, actor_name, notify
from subscriptions.events import EventKind, record_event

# The records a lead's conversion names in its event, by the GraphQL type they are.
CONVERSION_REFERENCES = {"contactId": "Contact", "companyId": "Company", "dealId": "Deal"}

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
    for field in _declaration(record).fields:
        if field.shown_on_create and field.attribute is not None:
            snapshot.note(field.input_key, None, getattr(record, field.attribute))
    await note_custom_values(session, _declaration(record).entity, record.id, snapshot)
    await _record(session, ctx, _event_kind(record, "CREATED"), record, _changes_of(snapshot))
    return await _tell_assignee(session, ctx, record, already_told)


async def record_updated(
    session: AsyncSession, ctx: RequestContext, record: CrmRecord, log: Changes
) -> None:
    """An event when something changed; a reassignment tells the new responsible user."""
    changes = _changes_of(log)
    if not changes:
        return
    await _record(session, ctx, _event_kind(record, "UPDATED"), record, changes)
    if "assignedToId" in changes:
        await _tell_assignee(session, ctx, record)


async def record_deleted(session: AsyncSession, ctx: RequestContext, record: CrmRecord) -> None:
    """Names what is gone: the record can no longer be loaded as the event's subject."""
    name = {NAME_KEY: [name_of(record), None]}
    await _record(session, ctx, _event_kind(record, "DELETED"), record, name)


async def record_merged(
    session: AsyncSession,
    ctx: RequestContext,
    record: CrmRecord,
    log: Changes,
    merged: Sequence[CrmRecord],
) -> None:
    """The survivor's one event of a merge (``LEAD_MERGED``, …): its changed fields as an
    update's, and the records it took in, by id and by name (masked as names are); a
    reassignment tells the new responsible user."""
    changes = _changes_of(log)
    changes[MERGED_IDS_KEY] = [[each.id for each in merged], None]
    changes[MERGED_NAMES_KEY] = [[name_of(each) for each in merged], None]
    await _record(session, ctx, _event_kind(record, "MERGED"), record, changes)
    if "assignedToId" in changes:
        await _tell_assignee(session, ctx, record)


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
    subject = (_declaration(record).entity.value, record.id)
    stored = envelope_json(envelope, pipeline_id)
    previous = await _previous_envelope(session, _declaration(record), stored, changes)
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
    session: AsyncSession,
    declaration: EntityDeclaration,
    stored: dict[str, Any],
    changes: dict[str, list[Any]],
) -> dict[str, Any] | None:
    """The envelope as it was before a change that can move the record in or out of
    someone's sight (responsible, opened, stage or status), so that a live subscriber who
    saw it before and no longer may is told it is gone (dealChanged's HIDDEN)."""
    status = declaration.status_key()
    if not {"assignedToId", "opened", status} & changes.keys():
        return None
    previous = {key: value for key, value in stored.items() if key != "previous"}
    if "assignedToId" in changes:
        old = changes["assignedToId"][0]
        old_id = int(old) if old is not None else None
        previous["responsibleId"] = old_id
        previous["responsibleDepartmentPath"] = await _department_path(session, old_id)
    if "opened" in changes:
        previous["opened"] = changes["opened"][0] in (True, "true")
    if status in changes and changes[status][0] is not None:
        previous["statusId"] = int(changes[status][0])
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
    entity = _declaration(record).entity.value
    actor = await actor_name(session, actor_id)
    if await _may_read_name(session, record, responsible):
        text = f"{actor} assigned {entity.lower()} {name_of(record)} to you"
    else:
        text = f"{actor} assigned a {entity.lower()} to you"
    subject = (entity, record.id)
    assigned = NotificationKind[f"{entity}_ASSIGNED"]
    return await notify(session, [responsible], assigned, subject, actor_id, text)


async def _may_read_name(session: AsyncSession, record: CrmRecord, user_id: int) -> bool:
    """Whether the user may read the record and its name fields, as the change leaves it: a
    notification's text must not tell what its recipient may not read (the intern assigned
    a won deal is told a deal was assigned, not which)."""
    policy, _active = await policy_of_user(session, user_id, "assignedToId")
    envelope = await envelope_of(session, record)
    name_fields = set(_declaration(record).name_fields)
    return policy.allows(AccessAction.READ, envelope) and not (
        name_fields & policy.hidden_fields(envelope)
    )


def _declaration(record: CrmRecord) -> EntityDeclaration:
    return declaration_of_model(type(record))


def _event_kind(record: CrmRecord, change: str) -> EventKind:
    """The record's event of that change: ``DEAL_CREATED``."""
    return EventKind[f"{_declaration(record).entity.value}_{change}"]


def name_of(record: CrmRecord) -> str:
    """The record's name fields, joined: a title, or a contact's first and last name."""
    declaration = _declaration(record)
    values = [
        getattr(record, declaration.field(name).attribute or "") for name in declaration.name_fields
    ]
    return " ".join(value for value in values if value)


def _changes_of(log: Changes) -> dict[str, list[Any]]:
    return {field: [old, new] for field, old, new in log.entries}
