"""Who sees a CRM event, and which of its changed fields: the reading side of CRM events.

A CRM event's envelope is the access ``Envelope`` of its record as JSON, taken when the
change was made. The ``feed`` query decides visibility in SQL on the event's scope (the record
as it is now, with the policy's read filter, like every CRM list); live subscribers decide in
memory on the stored envelope with ``policy.allows``. Both mask hidden fields per event from
the stored envelope, in memory: a change to ``amount`` stays hidden from a viewer whose roles
hide ``amount`` on that record; and a kind that tells a hidden field's value (a conversion
tells the lead's status) shows as the entity's plain update.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select

from auth.policy import CompiledPolicy, Envelope
from auth.policy.entities import RECORD_MODELS
from models import AccessAction, Event
from models.crm import CrmEntity
from models.crm.entities import declaration_of
from resolvers.crm.record_access import links_hidden_elsewhere
from resolvers.errors import Forbidden
from subscriptions.events import EventKind

CRM_SCOPES = frozenset(entity.value for entity in CrmEntity)


@dataclass(frozen=True)
class TellingKind:
    """An event kind that tells the value of one field of its record."""

    entity: CrmEntity
    field: str
    # The kind shown instead to a viewer the field is hidden from.
    plain: EventKind


TELLING_KINDS = {
    # Only a converted lead is converted: the kind tells its status.
    EventKind.LEAD_CONVERTED.value: TellingKind(CrmEntity.LEAD, "status", EventKind.LEAD_UPDATED),
    EventKind.DEAL_STAGE_MOVED.value: TellingKind(CrmEntity.DEAL, "stage", EventKind.DEAL_UPDATED),
}


def envelope_json(envelope: Envelope, pipeline_id: int | None = None) -> dict[str, Any]:
    """The envelope as stored with an event (DESIGN.md §5); deals add their pipeline."""
    stored: dict[str, Any] = {
        "entity": envelope.entity.value,
        "statusId": envelope.status_id,
        "responsibleId": envelope.responsible_id,
        "responsibleDepartmentPath": envelope.responsible_department_path,
        "opened": envelope.opened,
    }
    if pipeline_id is not None:
        stored["pipelineId"] = pipeline_id
    return stored


def envelope_from_json(stored: dict[str, Any]) -> Envelope | None:
    """The access envelope of a CRM event, None for events of other records."""
    if stored.get("entity") not in CRM_SCOPES:
        return None
    return Envelope(
        entity=CrmEntity(stored["entity"]),
        responsible_id=stored.get("responsibleId"),
        responsible_department_path=stored.get("responsibleDepartmentPath") or "",
        opened=bool(stored.get("opened")),
        status_id=stored.get("statusId"),
    )


def visible_crm_events(policy: CompiledPolicy) -> ColumnElement[bool]:
    """Events whose record the viewer may READ now, as SQL (one uncorrelated IN per entity)."""
    return or_(
        *(
            and_(
                Event.scope_type == entity.value,
                Event.scope_id.in_(select(model.id).where(policy.read_filter(entity, bulk=True))),
            )
            for entity, model in RECORD_MODELS.items()
        )
    )


def sees_crm_event(policy: CompiledPolicy, stored_envelope: dict[str, Any]) -> bool:
    """The in-memory twin of ``visible_crm_events``, judged on the envelope of the change."""
    envelope = envelope_from_json(stored_envelope)
    return envelope is not None and policy.allows(AccessAction.READ, envelope)


def seen_kind(policy: CompiledPolicy, stored_envelope: dict[str, Any], kind: str) -> str:
    """``kind``, or the plain update it shows as when it tells a field hidden from the viewer
    on that record."""
    telling = TELLING_KINDS.get(kind)
    if telling is None:
        return kind
    envelope = envelope_from_json(stored_envelope)
    if envelope is None or telling.field not in policy.hidden_fields(envelope):
        return kind
    return telling.plain.value


def refuse_telling_kinds(policy: CompiledPolicy, kinds: Collection[str]) -> None:
    """Asking for the events of a kind that tells a field some role of the viewer hides
    would count the records where it is hidden: FORBIDDEN, as a filter on the field is."""
    for kind in sorted(kinds):
        telling = TELLING_KINDS.get(kind)
        if telling is not None and policy.may_hide_field(telling.entity, telling.field):
            raise Forbidden(
                f"{kind} tells a field hidden from you ({telling.field}): you cannot ask for it",
                field="kinds",
            )


def masked_changes(
    policy: CompiledPolicy, stored_envelope: dict[str, Any], changes: dict[str, Any]
) -> dict[str, Any]:
    """``changes`` without the fields hidden from the viewer on that record, nor links that
    a role of the viewer may hide from the other end (the linked records' envelopes are not
    at hand here, so such a link is left out wherever it might be hidden)."""
    envelope = envelope_from_json(stored_envelope)
    if envelope is None:
        return changes
    hidden = policy.hidden_fields(envelope) | links_hidden_elsewhere(policy, envelope.entity)
    if not hidden:
        return changes
    # A key is hidden when a field governing it is (the declaration's ``rule_of_key``).
    declaration = declaration_of(envelope.entity)
    return {
        key: value for key, value in changes.items() if not hidden & declaration.rule_of_key(key)
    }
