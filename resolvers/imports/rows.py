"""One row of an import, through the same commands as the API: ``createX``'s, or, for a
row matching an existing record under the UPDATE policy, ``updateX``'s. Validation, rights,
events and custom fields behave as they do there; what fails is the row's errors."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from models.crm import Communication, CommunicationKind, CrmEntity
from models.crm.entities import declaration_of
from resolvers.context import RequestContext
from resolvers.crm import companies, contacts, deals, leads
from resolvers.crm.communications import NewCommunication, normalized_for_lookup
from resolvers.crm.duplicates import find_duplicates
from resolvers.crm.records import CUSTOM, NO_HOOKS, UpdateHooks, update_record
from resolvers.errors import DomainError
from resolvers.imports.values import RowValues

CREATED, UPDATED, SKIPPED, FAILED = "CREATED", "UPDATED", "SKIPPED", "FAILED"

# Each entity's create command and the record it takes.
_CREATE: Mapping[CrmEntity, tuple[type[Any], Callable[[RequestContext, Any], Awaitable[Any]]]] = {
    CrmEntity.LEAD: (leads.NewLead, leads.create_lead),
    CrmEntity.CONTACT: (contacts.NewContact, contacts.create_contact),
    CrmEntity.COMPANY: (companies.NewCompany, companies.create_company),
    CrmEntity.DEAL: (deals.NewDeal, deals.create_deal),
}
# The rules an update of each entity follows beyond its declaration, as ``updateX`` has them.
_UPDATE_HOOKS: Mapping[CrmEntity, UpdateHooks] = {
    CrmEntity.LEAD: leads.UPDATE_HOOKS,
    CrmEntity.CONTACT: contacts.UPDATE_HOOKS,
}
# Where the duplicate search lists each entity's matches.
_MATCHES = {CrmEntity.LEAD: "leads", CrmEntity.CONTACT: "contacts", CrmEntity.COMPANY: "companies"}


@dataclass(frozen=True)
class Outcome:
    outcome: str
    record_id: int | None = None
    errors: tuple[tuple[str | None, str], ...] = ()


def failed(*errors: tuple[str | None, str]) -> Outcome:
    return Outcome(FAILED, None, errors)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


async def import_row(
    ctx: RequestContext, entity: CrmEntity, values: RowValues, duplicates: str
) -> Outcome:
    """Creates (or updates, or skips) the record of one row; never raises a domain error."""
    if values.errors:
        return failed(*((error.field, error.message) for error in values.errors))
    try:
        if duplicates != "CREATE" and entity in _MATCHES:
            match = await _duplicate(ctx, entity, values)
            if match is not None and duplicates == "SKIP":
                return Outcome(SKIPPED, match)
            if match is not None:
                record = await update_record(
                    ctx,
                    entity,
                    match,
                    await _changes(ctx, entity, match, values),
                    _UPDATE_HOOKS.get(entity, NO_HOOKS),
                )
                return Outcome(UPDATED, record.id)
        new_type, create = _CREATE[entity]
        record = await create(ctx, _new_record(new_type, values))
        return Outcome(CREATED, record.id)
    except _Missing as error:
        return failed((error.field, f"'{error.field}' is required"))
    except DomainError as error:
        return failed((error.field, error.message))
    finally:
        ctx.forget_loaded()


class _Missing(Exception):
    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def _new_record(new_type: type[Any], values: RowValues) -> Any:
    """The command's ``NewX`` of the row: fields by attribute, marks it has no field for in
    its ``utm`` (a lead's), custom fields given (so required ones are enforced)."""
    known = {item.name: item for item in dataclasses.fields(new_type)}
    given: dict[str, Any] = {"custom_fields": values.custom}
    extra: dict[str, Any] = {}
    for key, value in values.fields.items():
        attribute = _snake(key)
        (given if attribute in known else extra)[attribute] = value
    if values.communications:
        given["communications"] = values.communications
    if extra:
        given["utm"] = extra
    for name, item in known.items():
        no_default = item.default is dataclasses.MISSING
        if no_default and item.default_factory is dataclasses.MISSING and name not in given:
            raise _Missing(name)
    return new_type(**given)


async def _duplicate(ctx: RequestContext, entity: CrmEntity, values: RowValues) -> int | None:
    """The first record of ``entity`` (that the importer may see) sharing the row's first
    phone or first e-mail, as ``duplicates(phone:, email:)`` finds it (one search a row)."""
    phone = _first(values, CommunicationKind.PHONE)
    email = _first(values, CommunicationKind.EMAIL)
    if phone is None and email is None:
        return None
    try:
        found = await find_duplicates(ctx, phone, email)
    except DomainError:
        # Not a phone or an e-mail: the create refuses it, naming it.
        return None
    matches = getattr(found, _MATCHES[entity])
    return int(matches[0].id) if matches else None


def _first(values: RowValues, kind: CommunicationKind) -> str | None:
    return next((item.value for item in values.communications if item.kind is kind), None)


async def _changes(
    ctx: RequestContext, entity: CrmEntity, record_id: int, values: RowValues
) -> dict[str, Any]:
    """An update of the fields the row gives that an update sets; its phones and e-mails
    join the record's (a file names some of a record's communications, not all)."""
    patchable = {field.change_key for field in declaration_of(entity).fields if field.patchable}
    changes: dict[str, Any] = {
        key: value for key, value in values.fields.items() if key in patchable
    }
    if values.custom:
        changes[CUSTOM] = values.custom
    if values.communications:
        async with ctx.db() as session:
            current = list(
                await session.scalars(
                    select(Communication)
                    .where(
                        Communication.entity_type == entity, Communication.entity_id == record_id
                    )
                    .order_by(Communication.sort, Communication.id)
                )
            )
        merged = [NewCommunication(item.kind, item.value, item.value_type) for item in current]
        known = {(item.kind, item.normalized) for item in current}
        for item in values.communications:
            key = (item.kind, _normalized(item))
            if key not in known:
                known.add(key)
                merged.append(item)
        changes["communications"] = merged
    return changes


def _normalized(item: NewCommunication) -> str:
    try:
        return normalized_for_lookup(item.kind, item.value, "communications")
    except DomainError:
        return item.value
