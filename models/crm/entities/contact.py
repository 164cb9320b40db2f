"""The contact: a person, linked to companies (many to many) and deals."""

from __future__ import annotations

from models.crm.common import CrmEntity
from models.crm.entities.common import (
    MAX_TITLE,
    RECORD_FIELDS,
    communications,
    person_name,
    record_id,
    source_lead,
)
from models.crm.entities.shape import EntityDeclaration, Field, FieldKind, Through
from models.crm.records import Contact, ContactCompany

TEXT = FieldKind.TEXT

CONTACT = EntityDeclaration(
    entity=CrmEntity.CONTACT,
    model=Contact,
    fields=(
        record_id("Contact"),
        communications(),
        person_name("firstName", "first_name", "The contact's first name.", on_create=True),
        person_name("lastName", "last_name", "The contact's last name.", on_create=True),
        Field(
            "position",
            TEXT,
            "The contact's job title.",
            attribute="position",
            filterable=True,
            shown_on_create=True,
            patchable=True,
            max_length=MAX_TITLE,
        ),
        Field(
            "companies",
            FieldKind.LINKS,
            "The companies the contact works with.",
            key="companyId",
            links_key="companyIds",
            target="Company",
            filterable=True,
            patchable=True,
            through=Through(ContactCompany, own="contact_id", other="company_id"),
            other_end=(CrmEntity.COMPANY, "contacts"),
        ),
        source_lead("contact"),
        *RECORD_FIELDS,
    ),
    name_fields=("firstName", "lastName"),
    default_order=(("lastName", False), ("firstName", False)),
    searched_phrases=(("first_name", "last_name"),),
)
