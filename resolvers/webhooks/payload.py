"""The JSON body of a delivery: the event as its webhook's owner sees it, with global IDs.

Database keys never leave the hub: the subject, the actor and every change of a field that
names a record (``stageId``, ``companyId``, ``contactIds``…) carry the global IDs the API
gives. CRM fields say what they name in their declaration (models/crm/entities/); tasks and
posts name users, departments and tasks under the keys below.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from models.crm import CrmEntity
from models.crm.entities import declaration_of
from resolvers.global_ids import global_id
from subscriptions.records import EventRecord

CRM_SUBJECTS = frozenset(entity.value for entity in CrmEntity)
# What the change-log keys of tasks, posts and comments name.
OTHER_TARGETS = {
    "responsibleId": "User",
    "creatorId": "User",
    "auditorIds": "User",
    "accomplicesIds": "User",
    "userIds": "User",
    "departmentIds": "Department",
    "parentId": "Task",
    "taskId": "Task",
    "postId": "Post",
}


def type_name(subject_type: str) -> str:
    """The GraphQL type of an event's subject ("DEAL" is a "Deal")."""
    return subject_type.capitalize()


@cache
def targets_of(subject_type: str) -> dict[str, str]:
    """Change-log key -> the GraphQL type of the records its values name."""
    if subject_type not in CRM_SUBJECTS:
        return OTHER_TARGETS
    declaration = declaration_of(CrmEntity(subject_type))
    return {
        field.change_key: field.target
        for field in declaration.fields
        if field.target is not None and field.name != "id"
    }


def _global(target: str, value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return global_id(target, value)
    # Creation events keep their values as text ("3").
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return global_id(target, int(value))
    if isinstance(value, list):
        return [_global(target, item) for item in value]
    return value


def global_changes(subject_type: str, changes: dict[str, Any]) -> dict[str, Any]:
    targets = targets_of(subject_type)
    return {
        key: _global(targets[key], value) if key in targets else value
        for key, value in changes.items()
    }


def payload_of(webhook_id: int, event: EventRecord) -> str:
    """The body sent for ``event`` (as the owner sees it)."""
    subject = type_name(event.subject_type)
    body = {
        "id": global_id("FeedEvent", event.seq),
        "seq": event.seq,
        "kind": event.kind,
        "occurredAt": event.occurred_at.isoformat(),
        "subject": {"type": subject, "id": global_id(subject, event.subject_id)},
        "actorId": None if event.actor_id is None else global_id("User", event.actor_id),
        "changes": global_changes(event.subject_type, event.changes),
        "webhookId": global_id("Webhook", webhook_id),
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str)
