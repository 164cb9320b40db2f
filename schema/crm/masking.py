"""Hidden fields resolve to null, and every CRM type answers `access`: the schema side of
field rules. The rules themselves are in ``resolvers.crm.record_access``.

A masked field is declared ``masked()`` (a plain attribute) or with ``extensions=[Masked()]``
(a resolver); its GraphQL name is the field-rule name (``auth.policy.entities.ENTITY_FIELDS``).
When no role of the viewer hides any field of the entity, a masked field resolves as if
unmasked, without loading anything.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

import strawberry
from strawberry.extensions import FieldExtension

from models.crm import CrmEntity
from resolvers.crm.record_access import (
    RecordFacts,
    envelope_of_record,
    hidden_fields,
    may_hide,
    shown_at_both_ends,
)
from schema.access import RecordAccess
from schema.context import Info


class CrmRecordType(Protocol):
    def facts(self) -> RecordFacts: ...


class Masked(FieldExtension):
    """Null when the viewer's roles hide the field on this record. ``covers`` names the rule
    fields a derived field reveals (a contact's ``name`` reveals its first and last name);
    by default the field's own GraphQL name. A link to other records (``companies``,
    ``sourceLead``) also leaves out each record that hides its own end of the link."""

    def __init__(self, covers: Sequence[str] = ()) -> None:
        super().__init__()
        self.covers = tuple(covers)

    def _rule_fields(self, info: Info) -> tuple[str, ...]:
        return self.covers or (info.field_name,)

    def resolve(
        self, next_: Callable[..., Any], source: CrmRecordType, info: Info, **kwargs: Any
    ) -> Any:
        value = next_(source, info, **kwargs)
        facts = source.facts()
        if not may_hide(info.context, facts.entity):
            return value
        return self._unless_hidden(facts, info, value)

    async def _unless_hidden(self, facts: RecordFacts, info: Info, value: Any) -> Any:
        hidden = await hidden_fields(info.context, facts)
        return None if hidden.intersection(self._rule_fields(info)) else value

    async def resolve_async(
        self,
        next_: Callable[..., Awaitable[Any]],
        source: CrmRecordType,
        info: Info,
        **kwargs: Any,
    ) -> Any:
        facts = source.facts()
        # The common case (no role hides anything on the entity) costs no mask check.
        if may_hide(info.context, facts.entity):
            hidden = await hidden_fields(info.context, facts)
            if hidden.intersection(self._rule_fields(info)):
                return None
        value = await next_(source, info, **kwargs)
        return await _shown_at_other_end(info, facts.entity, value)


async def _shown_at_other_end(info: Info, entity: CrmEntity, value: Any) -> Any:
    """``value`` (a record, a list of them or None) without the records hiding their end of
    the link; other values as they are."""
    if isinstance(value, list):
        return await shown_at_both_ends(info.context, entity, info.field_name, value, _facts)
    if not hasattr(value, "facts"):
        return value
    shown = await shown_at_both_ends(info.context, entity, info.field_name, [value], _facts)
    return value if shown else None


def _facts(record: CrmRecordType) -> RecordFacts:
    return record.facts()


def masked(*, description: str | None = None, covers: Sequence[str] = ()) -> Any:
    """A plain attribute field that resolves to null when hidden."""
    return strawberry.field(description=description, extensions=[Masked(covers)])


async def record_access(info: Info, facts: RecordFacts) -> RecordAccess:
    """The `access` field: what the viewer may do with the record and which fields they may
    not see or change."""
    envelope = await envelope_of_record(info.context, facts)
    return RecordAccess.of(info.context.require_policy(), envelope)


async def record_hidden_fields(info: Info, facts: RecordFacts) -> frozenset[str]:
    return await hidden_fields(info.context, facts)
