"""One declaration per CRM entity: the single source of its fields, read by access control,
lists, masks, events and guards (see ``shape``)."""

from __future__ import annotations

from models.crm.common import CrmEntity
from models.crm.entities.company import COMPANY
from models.crm.entities.contact import CONTACT
from models.crm.entities.deal import DEAL
from models.crm.entities.lead import LEAD
from models.crm.entities.shape import Check, EntityDeclaration, Field, FieldKind, Through

DECLARATIONS: dict[CrmEntity, EntityDeclaration] = {
    declaration.entity: declaration for declaration in (LEAD, CONTACT, COMPANY, DEAL)
}


def declaration_of(entity: CrmEntity) -> EntityDeclaration:
    return DECLARATIONS[entity]


def declaration_of_model(model: type) -> EntityDeclaration:
    """The declaration of the entity stored in ``model``'s table."""
    return next(declaration for declaration in DECLARATIONS.values() if declaration.model is model)


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
    "Check",
    "EntityDeclaration",
    "Field",
    "FieldKind",
    "Through",
    "declaration_of",
    "declaration_of_model",
    "declaration_of_type",
]
