"""Merging duplicates: records of one entity (leads, contacts or companies) merged into one
of them, the survivor, in one transaction.

Rights: UPDATE on the survivor, DELETE on each merged record (they are deleted: nothing of
them is updated). A record the viewer may not read is NOT_FOUND, one they may read but not
update (survivor) or delete (merged) FORBIDDEN, naming the argument that names it.

Fields: a patchable declared field or a custom field takes the value of the record a choice
names; a field not chosen keeps the survivor's value, or, when the survivor's is empty
(null, blank text, no custom value), takes the first non-empty value of the merged records
in the order given. A chosen field must be readable on the record it comes from and
writable on the survivor (FORBIDDEN otherwise); a field filled in by the rule skips the
records it is hidden on and is left alone where the survivor's is read-only. Communications
and links are merged whole (``merge_links``), so they cannot be chosen.

The survivor's change goes through the update path (the entity's hooks, UPDATE before and
after, read-only fields), is written to its timeline as field changes plus one MERGED
entry naming the merged records, and to the log as one ``X_MERGED`` event; then each merged
record is deleted as ``deleteX`` deletes (its ``X_DELETED`` event included).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import utcnow
from models.crm import CrmEntity, CustomField, CustomValue, TimelineEntry, TimelineKind
from models.crm.entities import EntityDeclaration, Field, FieldKind, declaration_of, type_name_of
from models.global_ids import global_id
from resolvers.access.checks import require_delete
from resolvers.access.envelopes import envelope_of
from resolvers.context import RequestContext
from resolvers.crm import events
from resolvers.crm.custom_checks import Stored
from resolvers.crm.custom_values import replace_values, stored_of
from resolvers.crm.events import name_of
from resolvers.crm.guards import guard_update, guard_update_allowed
from resolvers.crm.merge_links import move_links
from resolvers.crm.records import UpdateHooks, apply_changes, remove_record, writable_record
from resolvers.crm.timeline import Changes, write_changes
from resolvers.errors import BadInput, Forbidden

MERGEABLE = frozenset({CrmEntity.LEAD, CrmEntity.CONTACT, CrmEntity.COMPANY})
MAX_MERGED = 10
MAX_CHOICES = 100


@dataclass(frozen=True)
class FieldChoice:
    """The record (survivor or merged) whose value of ``field`` (an input key or a custom
    field's code) the survivor keeps."""

    field: str
    source_id: int


@dataclass(frozen=True)
class _Source:
    """A record taking part in a merge, with what the viewer may not see of it."""

    record: Any
    hidden: frozenset[str]


def choosable(declaration: EntityDeclaration) -> dict[str, Field]:
    """The declared fields a merge chooses between, by input key: those an update sets that
    hold one value in the record's own row."""
    return {
        field.input_key: field
        for field in declaration.fields
        if field.patchable
        and field.attribute is not None
        and field.kind not in (FieldKind.COMMUNICATIONS, FieldKind.LINKS)
    }


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _checked_ids(survivor_id: int, merged_ids: Sequence[int]) -> None:
    if not merged_ids:
        raise BadInput("Name at least one record to merge", field="mergedIds")
    if len(merged_ids) > MAX_MERGED:
        raise BadInput(f"At most {MAX_MERGED} records at once", field="mergedIds")
    seen: set[int] = set()
    for index, pk in enumerate(merged_ids):
        if pk == survivor_id:
            raise BadInput("A record cannot be merged into itself", field=f"mergedIds.{index}")
        if pk in seen:
            raise BadInput("A record is named twice", field=f"mergedIds.{index}")
        seen.add(pk)


def _checked_choices(
    survivor_id: int, merged_ids: Sequence[int], choices: Sequence[FieldChoice]
) -> dict[str, tuple[int, int]]:
    """Each chosen field's source record and the choice's index; BAD_USER_INPUT naming it."""
    if len(choices) > MAX_CHOICES:
        raise BadInput(f"At most {MAX_CHOICES} choices", field="fields")
    chosen: dict[str, tuple[int, int]] = {}
    for index, choice in enumerate(choices):
        if choice.field in chosen:
            raise BadInput(f"'{choice.field}' is chosen twice", field=f"fields.{index}.field")
        if choice.source_id != survivor_id and choice.source_id not in merged_ids:
            raise BadInput(
                "Take a value from the survivor or a merged record", field=f"fields.{index}.from"
            )
        chosen[choice.field] = (choice.source_id, index)
    return chosen


async def merge_records(
    ctx: RequestContext,
    entity: CrmEntity,
    survivor_id: int,
    merged_ids: Sequence[int],
    choices: Sequence[FieldChoice],
    hooks: UpdateHooks,
) -> Any:
    """Merges ``merged_ids`` into ``survivor_id``; returns the survivor as the merge left it."""
    viewer = ctx.require_viewer()
    assert entity in MERGEABLE, entity
    _checked_ids(survivor_id, merged_ids)
    chosen = _checked_choices(survivor_id, merged_ids, choices)
    declaration = declaration_of(entity)
    policy = ctx.require_policy()
    async with ctx.db() as session:
        # Locked in key order, so that two merges sharing records cannot deadlock.
        field_of = {survivor_id: "survivorId"}
        field_of |= {pk: f"mergedIds.{index}" for index, pk in enumerate(merged_ids)}
        records = {
            pk: await writable_record(ctx, session, entity, pk, field_of[pk])
            for pk in sorted(field_of)
        }
        survivor = records[survivor_id]
        try:
            before = await guard_update_allowed(ctx, session, survivor)
        except Forbidden as refused:
            raise _refused(entity, survivor_id, "update", "survivorId") from refused
        sources = {survivor_id: _Source(survivor, policy.hidden_fields(before))}
        for index, pk in enumerate(merged_ids):
            envelope = await envelope_of(session, records[pk])
            field = f"mergedIds.{index}"
            try:
                require_delete(policy, envelope)
            except Forbidden as refused:
                raise _refused(entity, pk, "delete", field) from refused
            hidden = policy.hidden_fields(envelope)
            _require_carried_visible(declaration, hidden, entity, pk, field)
            sources[pk] = _Source(records[pk], hidden)
        locked = policy.read_only_fields(before) | sources[survivor_id].hidden
        merged = [sources[pk] for pk in merged_ids]

        log = Changes()
        changes = _declared_values(declaration, survivor, chosen, sources, merged, locked)
        await apply_changes(ctx, session, declaration, survivor, before, changes, hooks, log)
        await _merge_custom(session, entity, survivor_id, chosen, sources, merged, locked, log)
        await move_links(session, entity, survivor_id, list(merged_ids), log)
        if hooks.merged is not None:
            await hooks.merged(ctx, session, survivor)
        survivor.updated_at = utcnow()
        if hooks.check is not None:
            hooks.check(survivor, frozenset(changes))
        await guard_update(ctx, session, survivor, before, log)
        write_changes(session, entity, survivor_id, viewer.user_id, log)
        gone = [source.record for source in merged]
        session.add(
            TimelineEntry(
                entity_type=entity,
                entity_id=survivor_id,
                kind=TimelineKind.MERGED,
                author_id=viewer.user_id,
                body="; ".join(name_of(record) for record in gone),
            )
        )
        for record in gone:
            await remove_record(ctx, session, entity, record)
        await events.record_merged(session, ctx, survivor, log, gone)
        await session.commit()
    ctx.forget_loaded()
    return survivor


def _refused(entity: CrmEntity, pk: int, action: str, field: str) -> Forbidden:
    type_name = type_name_of(entity)
    return Forbidden(f"You may not {action} {type_name} '{global_id(type_name, pk)}'", field=field)


def _require_carried_visible(
    declaration: EntityDeclaration, hidden: frozenset[str], entity: CrmEntity, pk: int, field: str
) -> None:
    """The survivor takes a merged record's communications and links whole: where some are
    hidden from the viewer, the merge would show them on the survivor."""
    carried = {
        each.name
        for each in declaration.fields
        if each.kind in (FieldKind.COMMUNICATIONS, FieldKind.LINKS)
    }
    shown_hidden = sorted(carried & hidden)
    if shown_hidden:
        type_name = type_name_of(entity)
        raise Forbidden(
            f"The {shown_hidden[0]} of {type_name} '{global_id(type_name, pk)}' are hidden "
            "from you: merging would show them",
            field=field,
        )


def _declared_values(
    declaration: EntityDeclaration,
    survivor: Any,
    chosen: dict[str, tuple[int, int]],
    sources: dict[int, _Source],
    merged: Sequence[_Source],
    locked: frozenset[str],
) -> dict[str, Any]:
    """The survivor's new values of its declared fields, by input key (see the module)."""
    fields = choosable(declaration)
    changes: dict[str, Any] = {}
    for key, (source_id, index) in chosen.items():
        field = fields.get(key)
        if field is None:
            if key.startswith("UF_"):
                continue
            raise BadInput(
                f"'{key}' is not a field a merge chooses; one of {', '.join(sorted(fields))} "
                "or a custom field's code",
                field=f"fields.{index}.field",
            )
        assert field.attribute is not None
        rules = declaration.rule_of_key(key)
        _require_choosable(rules, sources[source_id].hidden, locked, key, index)
        if source_id != survivor.id:
            changes[key] = getattr(sources[source_id].record, field.attribute)
    for key, field in fields.items():
        assert field.attribute is not None
        rules = declaration.rule_of_key(key)
        if key in chosen or rules & locked or not _empty(getattr(survivor, field.attribute)):
            continue
        for source in merged:
            value = getattr(source.record, field.attribute)
            if not _empty(value) and not rules & source.hidden:
                changes[key] = value
                break
    return changes


def _require_choosable(
    rules: frozenset[str], hidden: frozenset[str], locked: frozenset[str], key: str, index: int
) -> None:
    if rules & hidden:
        raise Forbidden(
            f"'{key}' is hidden from you on the record it would come from",
            field=f"fields.{index}.from",
        )
    if rules & locked:
        raise Forbidden(f"'{key}' is read-only for you", field=f"fields.{index}.field")


async def _merge_custom(
    session: AsyncSession,
    entity: CrmEntity,
    survivor_id: int,
    chosen: dict[str, tuple[int, int]],
    sources: dict[int, _Source],
    merged: Sequence[_Source],
    locked: frozenset[str],
    log: Changes,
) -> None:
    """Custom fields, by the same rule as declared ones: one statement for the definitions,
    one for every value of the records."""
    fields = {
        field.code: field
        for field in await session.scalars(select(CustomField).where(CustomField.entity == entity))
    }
    for code, (_, index) in chosen.items():
        if code not in fields and code.startswith("UF_"):
            raise BadInput(f"No custom field '{code}'", field=f"fields.{index}.field")
    rows = await session.scalars(
        select(CustomValue)
        .where(CustomValue.entity == entity, CustomValue.record_id.in_(sources))
        .order_by(CustomValue.position)
    )
    values: dict[tuple[int, int], list[Stored]] = {}
    for row in rows:
        values.setdefault((row.record_id, row.field_id), []).append(stored_of(row))
    for code, field in fields.items():
        taken: int | None = None
        if code in chosen:
            source_id, index = chosen[code]
            _require_choosable(frozenset({code}), sources[source_id].hidden, locked, code, index)
            taken = source_id
        elif code not in locked and not values.get((survivor_id, field.id)):
            taken = next(
                (
                    source.record.id
                    for source in merged
                    if values.get((source.record.id, field.id)) and code not in source.hidden
                ),
                None,
            )
        if taken is not None and taken != survivor_id:
            stored = values.get((taken, field.id), [])
            if field.required and not stored:
                raise BadInput(f"'{code}' ({field.name}) is required", field=code)
            await replace_values(session, entity, survivor_id, field, stored, log)
