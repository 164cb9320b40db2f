"""An event's ``changes`` as clients read them: references as global IDs, one JSON type per key.

The log keeps what its writers recorded: database keys, and for CRM records the timeline's
texts (``"4"``, ``"true"``, ``"3,7"``). Database keys never leave the hub, and a client must
not have to guess whether a key holds a number or a string, so every key is shown by the kind
of value its writer declares, whichever way an event recorded it:

- a reference: one global ID, or null;
- several references: a list of global IDs (``[]`` for none);
- a flag: ``true`` / ``false``; a whole number: a number;
- anything else (text, amounts, instants, names) as recorded: a string, or a list of them.

CRM keys come from the entity declarations; the few keys other writers record are declared
beside the code that records them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from models.crm import CrmEntity
from models.crm.entities import DECLARATIONS, MERGED_IDS_KEY, FieldKind, type_name_of
from models.global_ids import global_id
from resolvers.comments import COMMENT
from resolvers.crm.events import CONVERSION_REFERENCES
from resolvers.posts.commands import POST_CHANGE_REFERENCES
from resolvers.tasks.commands import CRM_ITEMS_KEY, TASK_CHANGE_REFERENCES


class ValueKind(enum.Enum):
    REFERENCE = enum.auto()
    REFERENCES = enum.auto()
    # CRM records named as ``ENTITY:key`` (a task's links).
    CRM_RECORDS = enum.auto()
    BOOLEAN = enum.auto()
    INTEGER = enum.auto()


@dataclass(frozen=True)
class Shown:
    kind: ValueKind
    # The GraphQL type a reference points to.
    type_name: str = ""


def presented_changes(subject_type: str, changes: Mapping[str, Any]) -> dict[str, Any]:
    """``changes`` ({key: [old, new]}) of an event whose subject is of ``subject_type``."""
    shapes = _shapes().get(subject_type, {})
    return {
        key: [_present(shapes[key], value) for value in pair] if key in shapes else pair
        for key, pair in changes.items()
    }


def _present(shown: Shown, value: Any) -> Any:
    match shown.kind:
        case ValueKind.REFERENCE:
            return None if value in (None, "") else global_id(shown.type_name, int(value))
        case ValueKind.REFERENCES:
            return [global_id(shown.type_name, key) for key in _keys(value)]
        case ValueKind.CRM_RECORDS:
            return [_crm_record_id(text) for text in value or ()]
        case ValueKind.BOOLEAN:
            return None if value is None else value in (True, "true")
        case ValueKind.INTEGER:
            return None if value in (None, "") else int(value)


def _keys(value: Any) -> list[int]:
    """Database keys recorded as a list, or as the timeline's comma-joined text."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [int(key) for key in value.split(",")]
    return [int(key) for key in value]


def _crm_record_id(text: str) -> str:
    entity, key = text.split(":")
    return global_id(type_name_of(CrmEntity(entity)), int(key))


@cache
def _shapes() -> dict[str, dict[str, Shown]]:
    crm = {entity.value: _crm_shapes(entity) for entity in DECLARATIONS}
    crm[CrmEntity.LEAD.value] |= {
        key: Shown(ValueKind.REFERENCE, type_name)
        for key, type_name in CONVERSION_REFERENCES.items()
    }
    tasks = {key: Shown(kind, type_name) for key, (kind, type_name) in _task_shapes().items()}
    posts = {key: Shown(ValueKind.REFERENCE, name) for key, name in POST_CHANGE_REFERENCES.items()}
    return crm | {"TASK": tasks, "POST": posts, COMMENT: {}}


def _crm_shapes(entity: CrmEntity) -> dict[str, Shown]:
    shapes: dict[str, Shown] = {MERGED_IDS_KEY: Shown(ValueKind.REFERENCES, type_name_of(entity))}
    for field in DECLARATIONS[entity].fields:
        if field.kind is FieldKind.ID and field.target is not None:
            shapes[field.change_key] = Shown(ValueKind.REFERENCE, field.target)
        elif field.kind is FieldKind.LINKS and field.target is not None:
            shapes[field.change_key] = Shown(ValueKind.REFERENCES, field.target)
        elif field.kind is FieldKind.BOOLEAN:
            shapes[field.change_key] = Shown(ValueKind.BOOLEAN)
        elif field.kind is FieldKind.INT:
            shapes[field.change_key] = Shown(ValueKind.INTEGER)
    return shapes


def _task_shapes() -> dict[str, tuple[ValueKind, str]]:
    shapes: dict[str, tuple[ValueKind, str]] = {
        key: (ValueKind.REFERENCES if many else ValueKind.REFERENCE, type_name)
        for key, (type_name, many) in TASK_CHANGE_REFERENCES.items()
    }
    shapes[CRM_ITEMS_KEY] = (ValueKind.CRM_RECORDS, "")
    return shapes
