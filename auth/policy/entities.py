"""What the policy reads of each CRM entity, taken from its declaration
(``models.crm.entities``): the columns its SQL predicates test, and the field names field
rules may name (the GraphQL field names of the entity)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import SQLColumnExpression

from models.crm import Company, Contact, CrmEntity, Deal, Lead
from models.crm.entities import DECLARATIONS, EntityDeclaration


@dataclass(frozen=True)
class RecordColumns:
    """The columns of a CRM table (or of an alias of it) that access levels are judged by."""

    responsible: SQLColumnExpression[int | None]
    opened: SQLColumnExpression[bool]
    # The lead status or deal stage; None for entities without statuses.
    status: SQLColumnExpression[int] | None


def _record_columns(declaration: EntityDeclaration) -> RecordColumns:
    model, status = declaration.model, declaration.status
    return RecordColumns(
        getattr(model, declaration.responsible),
        getattr(model, declaration.opened),
        None if status is None else getattr(model, declaration.field(status).attribute or ""),
    )


RECORD_COLUMNS: dict[CrmEntity, RecordColumns] = {
    entity: _record_columns(declaration) for entity, declaration in DECLARATIONS.items()
}

ENTITY_FIELDS: dict[CrmEntity, frozenset[str]] = {
    entity: declaration.ruled_names() for entity, declaration in DECLARATIONS.items()
}

# Fields no field rule names that tell the value of one that a rule may hide: they are hidden
# wherever it is (masks, filters, orders). A converted lead's conversion time and its links
# to the contact, company and deal it became say that its status is a success.
REVEALING: dict[CrmEntity, dict[str, frozenset[str]]] = {
    entity: {
        field.name: frozenset(field.revealed_by)
        for field in declaration.fields
        if field.revealed_by
    }
    for entity, declaration in DECLARATIONS.items()
}


def with_revealing(entity: CrmEntity, hidden: frozenset[str]) -> frozenset[str]:
    """``hidden`` and the fields that reveal one of them (``REVEALING``)."""
    revealing = REVEALING[entity]
    return hidden.union(*(revealing[name] for name in hidden if name in revealing))


def maskable_fields(entity: CrmEntity) -> frozenset[str]:
    """Every field a mask may hide: those rules name and those that reveal them."""
    return DECLARATIONS[entity].maskable_names()


RecordModel = type[Lead] | type[Contact] | type[Company] | type[Deal]

RECORD_MODELS: dict[CrmEntity, RecordModel] = {
    entity: declaration.model for entity, declaration in DECLARATIONS.items()
}


def has_statuses(entity: CrmEntity) -> bool:
    return DECLARATIONS[entity].status is not None
