"""What every action shares: the run it works in, the failure it reports, the record it acts
on and the templates it fills."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.crm import CrmEntity
from models.crm.entities import Field, FieldKind, declaration_of
from resolvers.access.envelopes import envelope_of
from resolvers.context import RequestContext
from resolvers.crm import contacts, leads
from resolvers.crm.records import NO_HOOKS, UpdateHooks
from resolvers.errors import BadInput
from resolvers.validation import text
from subscriptions.records import EventRecord

PLACEHOLDER = re.compile(r"\{([A-Za-z][A-Za-z0-9]*)\}")
# The rules an update of each entity follows beyond its fields' declarations, as its
# ``update…`` mutation applies them.
UPDATE_HOOKS: Mapping[CrmEntity, UpdateHooks] = {
    CrmEntity.LEAD: leads.UPDATE_HOOKS,
    CrmEntity.CONTACT: contacts.UPDATE_HOOKS,
}


class ActionFailed(Exception):
    """An action could not do its work for a reason of its own (no one to assign to, ...)."""


@dataclass
class Run:
    """One rule's run on one event: the owner's context, the record the event is about, and
    what the actions made (for the run log)."""

    ctx: RequestContext
    rule_id: int
    entity: CrmEntity
    record_id: int
    # The event that started the run.
    event: EventRecord
    created: list[tuple[str, int]] = field(default_factory=list)


@dataclass(frozen=True)
class Action:
    """``check``: the options as stored, checked when a rule is saved (BadInput naming
    ``path``.<option>). ``run``: do it."""

    check: Callable[[AsyncSession, CrmEntity, Mapping[str, Any], str], Awaitable[dict[str, Any]]]
    run: Callable[[Run, Mapping[str, Any]], Awaitable[None]]


def template(entity: CrmEntity, value: Any, path: str, max_length: int, required: bool) -> str:
    """A text with ``{field}`` placeholders naming the entity's plain fields; null is the
    empty text. The options come from a JSON value or optional inputs: anything else but a
    string is refused here, before it is treated as one."""
    if value is not None and not isinstance(value, str):
        raise BadInput("A text", field=path)
    checked = text(value or "", path, max_length=max_length, required=required)
    known = placeholder_fields(entity)
    for name in PLACEHOLDER.findall(checked):
        if name not in known:
            raise BadInput(
                f"'{{{name}}}' is not a field of {entity.value.lower()}s; one of "
                f"{', '.join(sorted(known))}",
                field=path,
            )
    return checked


def placeholder_fields(entity: CrmEntity) -> dict[str, Field]:
    """The fields a template may show, by API name."""
    return {
        field.input_key: field
        for field in declaration_of(entity).fields
        if field.attribute is not None
        and field.kind not in (FieldKind.ID, FieldKind.LINKS, FieldKind.COMMUNICATIONS)
    }


async def record_of(run: Run, session: AsyncSession) -> Any:
    model = declaration_of(run.entity).model
    record = await session.scalar(
        select(model).where(model.id == run.record_id).execution_options(populate_existing=True)
    )
    if record is None:
        raise ActionFailed("The record is gone")
    return record


async def fill(run: Run, session: AsyncSession, record: Any, template: str) -> str:
    """The template with the record's values; a field hidden from the owner shows empty."""
    hidden = run.ctx.require_policy().hidden_fields(await envelope_of(session, record))
    columns = placeholder_fields(run.entity)

    def value(match: re.Match[str]) -> str:
        field = columns[match.group(1)]
        shown = None if field.name in hidden else getattr(record, field.attribute or "", None)
        return "" if shown is None else str(shown)

    return PLACEHOLDER.sub(value, template)


def hooks_of(entity: CrmEntity) -> UpdateHooks:
    return UPDATE_HOOKS.get(entity, NO_HOOKS)


def user_id_option(options: Mapping[str, Any], name: str, path: str) -> int | None:
    value = options.get(name)
    if value is not None and not isinstance(value, int):
        raise BadInput("A user ID", field=f"{path}.{name}")
    return value
