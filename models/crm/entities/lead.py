"""The lead: a possible sale not yet qualified, converted later into a contact, a company
and a deal."""

from __future__ import annotations

from models.crm.common import CrmEntity
from models.crm.dictionaries import LeadStatus
from models.crm.entities.common import (
    MAX_TEXT,
    MAX_TITLE,
    RECORD_FIELDS,
    communications,
    person_name,
    record_id,
    title,
)
from models.crm.entities.shape import EntityDeclaration, Field, FieldKind
from models.crm.records import Lead

ID, TEXT, BOOLEAN, DATETIME = FieldKind.ID, FieldKind.TEXT, FieldKind.BOOLEAN, FieldKind.DATETIME


def _utm(name: str, attribute: str, what: str, filterable: bool) -> Field:
    return Field(
        name,
        TEXT,
        f"The UTM {what} of the visit the lead came from.",
        attribute=attribute,
        filterable=filterable,
        patchable=True,
        max_length=MAX_TITLE,
    )


def _conversion(name: str, target: str) -> Field:
    # A converted lead's links tell that its status is a success: hidden with the status.
    return Field(
        name,
        ID,
        f"The {target.lower()} the lead was converted into.",
        attribute=f"{name}_id",
        key=f"{name}Id",
        target=target,
        ruled=False,
    )


LEAD = EntityDeclaration(
    entity=CrmEntity.LEAD,
    model=Lead,
    fields=(
        record_id("Lead"),
        communications(),
        # A new lead without a title is named after its person or company.
        title("What the lead is about.", create_default=""),
        person_name("firstName", "first_name", "The person's first name.", on_create=False),
        person_name("lastName", "last_name", "The person's last name.", on_create=False),
        Field(
            "companyTitle",
            TEXT,
            "The name of the person's company.",
            attribute="company_title",
            filterable=True,
            searchable=True,
            patchable=True,
            max_length=MAX_TITLE,
        ),
        Field(
            "status",
            ID,
            "Where the lead stands in its processing.",
            attribute="status_id",
            key="statusId",
            target="LeadStatus",
            filterable=True,
            shown_on_create=True,
            patchable=True,
            create_default_note="the first in-progress status",
            revealed_by=("convertedAt", "contact", "company", "deal"),
        ),
        Field(
            "source",
            ID,
            "Where the lead came from.",
            attribute="source_id",
            key="sourceId",
            target="LeadSource",
            filterable=True,
            shown_on_create=True,
            patchable=True,
        ),
        Field(
            "sourceDescription",
            TEXT,
            "More about where the lead came from.",
            attribute="source_description",
            patchable=True,
            max_length=MAX_TEXT,
        ),
        _utm("utmSource", "utm_source", "source", filterable=True),
        _utm("utmMedium", "utm_medium", "medium", filterable=True),
        _utm("utmCampaign", "utm_campaign", "campaign", filterable=True),
        _utm("utmContent", "utm_content", "content", filterable=False),
        _utm("utmTerm", "utm_term", "term", filterable=False),
        Field(
            "isRepeat",
            BOOLEAN,
            "A phone or e-mail matched an existing contact or company.",
            attribute="is_repeat",
            ruled=False,
            filterable=True,
        ),
        Field(
            "convertedAt",
            DATETIME,
            "When the lead was converted.",
            attribute="converted_at",
            ruled=False,
            filterable=True,
        ),
        _conversion("contact", "Contact"),
        _conversion("company", "Company"),
        _conversion("deal", "Deal"),
        *RECORD_FIELDS,
    ),
    name_fields=("title",),
    default_order=(("createdAt", True),),
    status="status",
    status_model=LeadStatus,
)
