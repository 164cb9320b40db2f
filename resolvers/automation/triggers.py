"""What starts a rule: which events of the log it looks at, and which record of them it acts
on."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from models.crm import CrmEntity, Semantics
from models.crm.entities import declaration_of
from resolvers.errors import BadInput
from subscriptions.events import EventKind


class Trigger(enum.Enum):
    LEAD_CREATED = "LEAD_CREATED"
    # A deal moved into a stage: a named one, or any of a semantics (every won stage, ...).
    DEAL_STAGE_ENTERED = "DEAL_STAGE_ENTERED"
    # A field of a record changed (by a person, or by another rule's action).
    FIELD_CHANGED = "FIELD_CHANGED"
    # A task bound to a record passed its deadline unfinished (resolvers/tasks/overdue.py);
    # the rule acts on the record (of its entity) the task is bound to.
    TASK_OVERDUE = "TASK_OVERDUE"


# The event kinds a trigger looks at, per entity.
_UPDATED = {
    CrmEntity.LEAD: EventKind.LEAD_UPDATED,
    CrmEntity.CONTACT: EventKind.CONTACT_UPDATED,
    CrmEntity.COMPANY: EventKind.COMPANY_UPDATED,
    CrmEntity.DEAL: EventKind.DEAL_UPDATED,
}
_MERGED = {
    CrmEntity.LEAD: EventKind.LEAD_MERGED,
    CrmEntity.CONTACT: EventKind.CONTACT_MERGED,
    CrmEntity.COMPANY: EventKind.COMPANY_MERGED,
}


def event_kinds(trigger: Trigger, entity: CrmEntity) -> set[str]:
    if trigger is Trigger.LEAD_CREATED:
        return {EventKind.LEAD_CREATED.value}
    if trigger is Trigger.DEAL_STAGE_ENTERED:
        return {EventKind.DEAL_STAGE_MOVED.value}
    if trigger is Trigger.TASK_OVERDUE:
        return {EventKind.TASK_OVERDUE.value}
    # A merge changes the survivor's fields as an update does.
    merged = _MERGED.get(entity)
    return {_UPDATED[entity].value} | ({merged.value} if merged else set())


def checked_options(
    trigger: Trigger,
    entity: CrmEntity | None,
    stage_id: int | None,
    semantics: Semantics | None,
    field: str | None,
) -> tuple[CrmEntity, dict[str, Any]]:
    """The entity a trigger is about and its options as stored; BadInput naming the field."""
    if trigger is Trigger.LEAD_CREATED:
        return CrmEntity.LEAD, {}
    if trigger is Trigger.DEAL_STAGE_ENTERED:
        if (stage_id is None) == (semantics is None):
            raise BadInput(
                "A stage trigger names either a stage or a semantics", field="trigger.stageId"
            )
        if stage_id is not None:
            return CrmEntity.DEAL, {"stageId": stage_id}
        assert semantics is not None
        return CrmEntity.DEAL, {"semantics": semantics.value}
    if entity is None:
        raise BadInput(f"A {trigger.value} trigger names its entity", field="trigger.entity")
    if trigger is Trigger.TASK_OVERDUE:
        return entity, {}
    declared = {f.change_key for f in declaration_of(entity).fields}
    if field is None or field not in declared:
        raise BadInput(
            f"'{field}' is not a field of {entity.value.lower()}s; one of "
            f"{', '.join(sorted(declared))}",
            field="trigger.field",
        )
    return entity, {"field": field}


def applies(
    trigger: Trigger,
    entity: CrmEntity,
    options: Mapping[str, Any],
    kind: str,
    changes: Mapping[str, Any],
) -> bool:
    """Whether an event starts a rule with this trigger on this entity."""
    if kind not in event_kinds(trigger, entity):
        return False
    if trigger is Trigger.DEAL_STAGE_ENTERED:
        if "stageId" in options:
            # Compared as text: the log keeps keys as each writer recorded them.
            return str(_new(changes, "stageId")) == str(options["stageId"])
        return bool(_new(changes, "semantics") == options.get("semantics"))
    if trigger is Trigger.FIELD_CHANGED:
        return options.get("field") in changes
    return True


def _new(changes: Mapping[str, Any], key: str) -> Any:
    pair = changes.get(key)
    return pair[1] if isinstance(pair, list) and len(pair) == 2 else None
