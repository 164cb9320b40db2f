"""One declaration per CRM entity: the single source of its fields, read by access control,
lists, masks, events and guards (see ``shape``)."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.sql.selectable import FromClause

from models.crm.common import CrmEntity
from models.crm.entities.company import COMPANY
from models.crm.entities.contact import CONTACT
from models.crm.entities.deal import DEAL
from models.crm.entities.lead import LEAD
from models.crm.entities.shape import (
    MERGED_IDS_KEY,
    MERGED_NAMES_KEY,
    NAME_KEY,
    NO_DEFAULT,
    Check,
    EntityDeclaration,
    Field,
    FieldKind,
    Through,
)

DECLARATIONS: dict[CrmEntity, EntityDeclaration] = {
    declaration.entity: declaration for declaration in (LEAD, CONTACT, COMPANY, DEAL)
}


def declaration_of(entity: CrmEntity) -> EntityDeclaration:
    return DECLARATIONS[entity]


@cache
def other_end_of(entity: CrmEntity, field_name: str) -> tuple[CrmEntity, str] | None:
    """The entity and field that show the link ``field_name`` of ``entity`` from its other
    side (a contact's ``companies`` and a company's ``contacts``), declared on either side."""
    declared = next(
        (field for field in DECLARATIONS[entity].fields if field.name == field_name), None
    )
    if declared is not None and declared.other_end is not None:
        return declared.other_end
    return next(
        (
            (declaration.entity, field.name)
            for declaration in DECLARATIONS.values()
            for field in declaration.fields
            if field.other_end == (entity, field_name)
        ),
        None,
    )


@cache
def link_ends(entity: CrmEntity) -> tuple[tuple[str, tuple[CrmEntity, str]], ...]:
    """The entity's links that show from another side too, each with that side."""
    return tuple(
        (field.name, other_end)
        for field in DECLARATIONS[entity].fields
        if (other_end := other_end_of(entity, field.name)) is not None
    )


def listing_order(entity: CrmEntity, table: FromClause) -> list[ColumnElement[Any]]:
    """The order records of ``entity`` are listed in where they hang off another record (a
    deal's contacts, a company's deals): its default list order, then the id in the direction
    of the last key. ``table`` is the entity's table or an alias of it."""
    declaration = DECLARATIONS[entity]
    by_key = declaration.by_key()
    order: list[ColumnElement[Any]] = []
    descending = False
    for key, descending in declaration.default_order:
        attribute = by_key[key].attribute or ""
        column = table.c[column_name(declaration, attribute)]
        order.append(column.desc() if descending else column.asc())
    order.append(table.c.id.desc() if descending else table.c.id.asc())
    return order


def column_name(declaration: EntityDeclaration, attribute: str) -> str:
    """The column an ORM attribute of the entity's model maps to."""
    return str(getattr(declaration.model, attribute).property.columns[0].name)


def declaration_of_model(model: type) -> EntityDeclaration:
    """The declaration of the entity stored in ``model``'s table."""
    return next(declaration for declaration in DECLARATIONS.values() if declaration.model is model)


@cache
def type_name_of(entity: CrmEntity) -> str:
    """The GraphQL type of the entity's records ("Deal"), which their global IDs name."""
    target = DECLARATIONS[entity].field("id").target
    assert target is not None
    return target


def declaration_of_type(type_name: str) -> EntityDeclaration:
    """The declaration of the entity whose GraphQL type is ``type_name``."""
    return next(
        declaration
        for declaration in DECLARATIONS.values()
        if declaration.field("id").target == type_name
    )


__all__ = [
    "COMPANY",
    "CONTACT",
    "DEAL",
    "DECLARATIONS",
    "LEAD",
    "MERGED_IDS_KEY",
    "MERGED_NAMES_KEY",
    "NAME_KEY",
    "NO_DEFAULT",
    "Check",
    "EntityDeclaration",
    "Field",
    "FieldKind",
    "Through",
    "column_name",
    "declaration_of",
    "declaration_of_model",
    "declaration_of_type",
    "link_ends",
    "listing_order",
    "other_end_of",
    "type_name_of",
]
