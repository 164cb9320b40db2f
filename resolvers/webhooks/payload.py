"""The JSON body of a delivery: the event as its webhook's owner sees it, with global IDs.

Database keys never leave the hub: the subject and the actor are global IDs, and ``changes``
read exactly as in the feed (resolvers/change_values.py: references as global IDs, one JSON
type per field).
"""

from __future__ import annotations

import json

from models.global_ids import global_id
from resolvers.change_values import presented_changes
from subscriptions.records import EventRecord


def type_name(subject_type: str) -> str:
    """The GraphQL type of an event's subject ("DEAL" is a "Deal")."""
    return subject_type.capitalize()


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
        "changes": presented_changes(event.subject_type, event.changes),
        "webhookId": global_id("Webhook", webhook_id),
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str)
