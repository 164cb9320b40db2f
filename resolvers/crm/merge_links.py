"""What a merge moves from the merged records to the survivor: everything that names them.

Each kind of link costs a fixed number of statements, whatever the number of links: read
the survivor's and the merged records' links in one select, add to the survivor those it
lacks in one insert (repeats dropped: a phone both records have, a deal both are on), and
let the merged records' deletion (``forget_record``, or the link table's own delete) take
their rows. References held in columns (a deal's company, a lead's conversion links, a
record's source lead, another record's custom CRM_RECORD value, a queued e-mail's record)
are moved by one UPDATE each.

Which references and link tables point at an entity is read from the declarations
(``models.crm.entities``); the polymorphic tables (communications, activity bindings,
timeline entries, task links, custom values, attachments) are those
``removal.forget_record`` clears.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Attachment, TaskCrmLink
from models.crm import (
    ActivityBinding,
    Communication,
    CrmEntity,
    CustomField,
    CustomFieldKind,
    CustomValue,
    TimelineEntry,
    TimelineKind,
)
from models.crm.entities import DECLARATIONS, Field, FieldKind, Through, type_name_of
from models.mail import OutboxMessage
from resolvers.crm.communications import summary
from resolvers.crm.timeline import Changes

# Updates that move references are not reflected in loaded rows: the merge reads none of
# those rows afterwards.
UNSYNCED = {"synchronize_session": False}


@dataclass(frozen=True)
class LinkColumn:
    """A link table's column holding records of the merged entity, the column at its other
    end, and the survivor's field showing these links (noted in its change log), if any."""

    through: Through
    column: str
    other: str
    field: Field | None


def link_columns(entity: CrmEntity) -> list[LinkColumn]:
    """The many-to-many link tables that hold records of ``entity``, once per table."""
    found: dict[tuple[type[Any], str], LinkColumn] = {}
    type_name = type_name_of(entity)
    for declaration in DECLARATIONS.values():
        for field in declaration.fields:
            through = field.through
            if field.kind is not FieldKind.LINKS or through is None:
                continue
            if declaration.entity is entity:
                key = (through.model, through.own)
                found[key] = LinkColumn(through, through.own, through.other, field)
            elif field.target == type_name:
                key = (through.model, through.other)
                found.setdefault(key, LinkColumn(through, through.other, through.own, None))
    return list(found.values())


def reference_fields(entity: CrmEntity) -> Iterator[tuple[type[Any], str]]:
    """(table, column) of every declared single reference to a record of ``entity``."""
    type_name = type_name_of(entity)
    for declaration in DECLARATIONS.values():
        for field in declaration.fields:
            if (
                field.kind is FieldKind.ID
                and field.target == type_name
                and field.attribute is not None
                and field.name != "id"
            ):
                yield declaration.model, field.attribute


async def move_links(
    session: AsyncSession,
    entity: CrmEntity,
    survivor_id: int,
    merged_ids: Sequence[int],
    log: Changes,
) -> None:
    """Everything naming the merged records comes to the survivor (noted in ``log`` where it
    is a field of the survivor: its communications and links)."""
    await _move_communications(session, entity, survivor_id, merged_ids, log)
    await _move_activities(session, entity, survivor_id, merged_ids)
    await _move_timelines(session, entity, survivor_id, merged_ids)
    await _move_task_links(session, entity, survivor_id, merged_ids)
    for link in link_columns(entity):
        await _move_link_table(session, link, survivor_id, merged_ids, log)
    for model, attribute in reference_fields(entity):
        column = getattr(model, attribute)
        await session.execute(
            update(model)
            .where(column.in_(merged_ids))
            .values({attribute: survivor_id})
            .execution_options(**UNSYNCED)
        )
    await _move_record_values(session, entity, survivor_id, merged_ids)
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.record_type == entity, OutboxMessage.record_id.in_(merged_ids))
        .values(record_id=survivor_id)
        .execution_options(**UNSYNCED)
    )
    await session.execute(
        update(Attachment)
        .where(Attachment.owner_kind == entity.value, Attachment.owner_id.in_(merged_ids))
        .values(owner_id=survivor_id)
        .execution_options(**UNSYNCED)
    )


async def _move_communications(
    session: AsyncSession,
    entity: CrmEntity,
    survivor_id: int,
    merged_ids: Sequence[int],
    log: Changes,
) -> None:
    """The merged records' phones, e-mails, … the survivor lacks (compared normalised), after
    its own, in the order the merged records were given."""
    order = {pk: index for index, pk in enumerate([survivor_id, *merged_ids])}
    rows = (
        await session.scalars(
            select(Communication)
            .where(Communication.entity_type == entity, Communication.entity_id.in_(order))
            .order_by(Communication.sort, Communication.id)
        )
    ).all()
    ordered = sorted(rows, key=lambda row: order[row.entity_id])
    own = [row for row in ordered if row.entity_id == survivor_id]
    seen = {(row.kind, row.normalized) for row in own}
    taken = []
    for row in ordered[len(own) :]:
        if (row.kind, row.normalized) not in seen:
            seen.add((row.kind, row.normalized))
            taken.append(row)
    if not taken:
        return
    first = max((row.sort for row in own), default=-1) + 1
    await session.execute(
        insert(Communication),
        [
            {
                "entity_type": entity,
                "entity_id": survivor_id,
                "kind": row.kind,
                "value_type": row.value_type,
                "value": row.value,
                "normalized": row.normalized,
                "sort": first + index,
            }
            for index, row in enumerate(taken)
        ],
    )
    log.note("communications", summary(own), summary([*own, *taken]))


async def _move_activities(
    session: AsyncSession, entity: CrmEntity, survivor_id: int, merged_ids: Sequence[int]
) -> None:
    """The survivor is bound to every activity a merged record was bound to: bound before the
    merged records' bindings go, so that no activity is left unbound and deleted."""
    rows = await session.execute(
        select(ActivityBinding.activity_id, ActivityBinding.entity_id).where(
            ActivityBinding.entity_type == entity,
            ActivityBinding.entity_id.in_([survivor_id, *merged_ids]),
        )
    )
    pairs = rows.tuples().all()
    bound = {activity for activity, owner in pairs if owner == survivor_id}
    wanted = {activity for activity, owner in pairs if owner != survivor_id} - bound
    if wanted:
        await session.execute(
            insert(ActivityBinding),
            [
                {"activity_id": activity, "entity_type": entity, "entity_id": survivor_id}
                for activity in sorted(wanted)
            ],
        )


async def _move_timelines(
    session: AsyncSession, entity: CrmEntity, survivor_id: int, merged_ids: Sequence[int]
) -> None:
    """The merged records' comments and field changes join the survivor's timeline, with an
    activity's entry only where the survivor has none for it yet (one entry per activity
    and record); the rest goes with the merged records."""
    rows = await session.execute(
        select(TimelineEntry.id, TimelineEntry.activity_id, TimelineEntry.entity_id)
        .where(
            TimelineEntry.entity_type == entity,
            TimelineEntry.entity_id.in_([survivor_id, *merged_ids]),
            TimelineEntry.kind == TimelineKind.ACTIVITY,
        )
        .order_by(TimelineEntry.id)
    )
    entries = rows.tuples().all()
    shown = {activity for _, activity, owner in entries if owner == survivor_id}
    kept: list[int] = []
    for entry_id, activity, owner in entries:
        if owner != survivor_id and activity not in shown:
            shown.add(activity)
            kept.append(entry_id)
    await session.execute(
        update(TimelineEntry)
        .where(
            TimelineEntry.entity_type == entity,
            TimelineEntry.entity_id.in_(merged_ids),
            (TimelineEntry.kind != TimelineKind.ACTIVITY) | TimelineEntry.id.in_(kept),
        )
        .values(entity_id=survivor_id)
        .execution_options(**UNSYNCED)
    )


async def _move_task_links(
    session: AsyncSession, entity: CrmEntity, survivor_id: int, merged_ids: Sequence[int]
) -> None:
    rows = await session.execute(
        select(TaskCrmLink.task_id, TaskCrmLink.entity_id).where(
            TaskCrmLink.entity_type == entity.value,
            TaskCrmLink.entity_id.in_([survivor_id, *merged_ids]),
        )
    )
    pairs = rows.tuples().all()
    linked = {task for task, owner in pairs if owner == survivor_id}
    wanted = {task for task, owner in pairs if owner != survivor_id} - linked
    if wanted:
        await session.execute(
            insert(TaskCrmLink),
            [
                {"task_id": task, "entity_type": entity.value, "entity_id": survivor_id}
                for task in sorted(wanted)
            ],
        )


async def _move_link_table(
    session: AsyncSession,
    link: LinkColumn,
    survivor_id: int,
    merged_ids: Sequence[int],
    log: Changes,
) -> None:
    model = link.through.model
    own, other = getattr(model, link.column), getattr(model, link.other)
    rows = await session.execute(select(own, other).where(own.in_([survivor_id, *merged_ids])))
    pairs = rows.tuples().all()
    current = {linked for holder, linked in pairs if holder == survivor_id}
    wanted = {linked for holder, linked in pairs if holder != survivor_id} - current
    # Not left to the foreign key's cascade: SQLite enforces none unless told to.
    await session.execute(delete(model).where(own.in_(merged_ids)))
    if not wanted:
        return
    await session.execute(
        insert(model), [{link.column: survivor_id, link.other: linked} for linked in sorted(wanted)]
    )
    if link.field is not None:
        before = ",".join(map(str, sorted(current)))
        log.note(link.field.change_key, before, ",".join(map(str, sorted(current | wanted))))


async def _move_record_values(
    session: AsyncSession, entity: CrmEntity, survivor_id: int, merged_ids: Sequence[int]
) -> None:
    """Custom CRM_RECORD values of any record that name a merged record name the survivor."""
    record_fields = select(CustomField.id).where(CustomField.kind == CustomFieldKind.CRM_RECORD)
    await session.execute(
        update(CustomValue)
        .where(
            CustomValue.field_id.in_(record_fields),
            CustomValue.text == entity.value,
            CustomValue.integer.in_(merged_ids),
        )
        .values(integer=survivor_id)
        .execution_options(**UNSYNCED)
    )
