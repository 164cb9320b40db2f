"""The company: an organisation, with its contacts (many to many) and deals."""

from __future__ import annotations

from models.crm.common import CrmEntity
from models.crm.entities.common import (
    MAX_NAME,
    MAX_TEXT,
    RECORD_FIELDS,
    communications,
    record_id,
    source_lead,
    title,
)
from models.crm.entities.shape import EntityDeclaration, Field, FieldKind, Through
from models.crm.records import Company, ContactCompany

TEXT = FieldKind.TEXT
MAX_EMPLOYEES = 10_000_000

COMPANY = EntityDeclaration(
    entity=CrmEntity.COMPANY,
    model=Company,
    fields=(
        record_id("Company"),
        communications(),
        title("The company's name."),
        Field(
            "industry",
            TEXT,
            "The company's line of business.",
            attribute="industry",
            filterable=True,
            shown_on_create=True,
            patchable=True,
            max_length=MAX_NAME,
        ),
        Field(
            "revenue",
            FieldKind.DECIMAL,
            "Yearly revenue.",
            attribute="revenue",
            filterable=True,
            shown_on_create=True,
            patchable=True,
        ),
        Field(
            "employees",
            FieldKind.INT,
            "How many people work there.",
            attribute="employees",
            filterable=True,
            bounds=(0, MAX_EMPLOYEES),
            shown_on_create=True,
            patchable=True,
        ),
        Field(
            "address",
            TEXT,
            "The company's address.",
            attribute="address",
            patchable=True,
            max_length=MAX_TEXT,
        ),
        Field(
            "contacts",
            FieldKind.LINKS,
            "The company's contacts.",
            links_key="contactIds",
            target="Contact",
            patchable=True,
            through=Through(ContactCompany, own="company_id", other="contact_id"),
        ),
        Field("deals", FieldKind.LINKS, "The company's deals, newest first.", target="Deal"),
        source_lead("company"),
        *RECORD_FIELDS,
    ),
    name_fields=("title",),
    default_order=(("title", False),),
)
