"""The deal: a sale in progress, moving through the stages of its pipeline."""

from __future__ import annotations

from decimal import Decimal

from models.crm.common import CrmEntity
from models.crm.dictionaries import DealStage
from models.crm.entities.common import RECORD_FIELDS, record_id, source_lead, title
from models.crm.entities.shape import Check, EntityDeclaration, Field, FieldKind, Through
from models.crm.records import Deal, DealContact

ID = FieldKind.ID
DEFAULT_CURRENCY = "USD"

DEAL = EntityDeclaration(
    entity=CrmEntity.DEAL,
    model=Deal,
    fields=(
        record_id("Deal"),
        title("What the deal is about."),
        Field(
            "stage",
            ID,
            "The stage of its pipeline the deal is in.",
            attribute="stage_id",
            key="stageId",
            target="DealStage",
            filterable=True,
            shown_on_create=True,
            set_on_create=True,
            create_default_note="the pipeline's first stage",
        ),
        Field(
            "amount",
            FieldKind.DECIMAL,
            "The deal's value.",
            attribute="amount",
            filterable=True,
            orderable=True,
            shown_on_create=True,
            patchable=True,
            create_default=Decimal("0"),
        ),
        Field(
            "currency",
            FieldKind.TEXT,
            "The ISO 4217 code of the amount's currency.",
            attribute="currency",
            filterable=True,
            check=Check.CURRENCY,
            shown_on_create=True,
            patchable=True,
            create_default=DEFAULT_CURRENCY,
        ),
        Field(
            "probability",
            FieldKind.INT,
            "The chance of winning the deal, in percent.",
            attribute="probability",
            filterable=True,
            bounds=(0, 100),
            shown_on_create=True,
            patchable=True,
        ),
        Field(
            "company",
            ID,
            "The company the deal is with.",
            attribute="company_id",
            key="companyId",
            target="Company",
            filterable=True,
            # Searched by its title, where the viewer may read the company.
            searchable=True,
            searched_through=("title",),
            shown_on_create=True,
            other_end=(CrmEntity.COMPANY, "deals"),
            patchable=True,
        ),
        Field(
            "pipeline",
            ID,
            "The pipeline the deal moves through.",
            attribute="pipeline_id",
            key="pipelineId",
            target="Pipeline",
            ruled=False,
            filterable=True,
            set_on_create=True,
            create_default_note="the default pipeline",
        ),
        # A contact shows no deals: only the deal's own rule guards its contacts.
        Field(
            "contacts",
            FieldKind.LINKS,
            "The people on the deal.",
            key="contactId",
            links_key="contactIds",
            target="Contact",
            filterable=True,
            patchable=True,
            through=Through(DealContact, own="deal_id", other="contact_id"),
        ),
        source_lead("deal"),
        Field(
            "closedAt",
            FieldKind.DATETIME,
            "When the deal reached a won or lost stage.",
            attribute="closed_at",
            filterable=True,
        ),
        *RECORD_FIELDS,
    ),
    name_fields=("title",),
    default_order=(("createdAt", True),),
    status="stage",
    status_model=DealStage,
    # A stage move's semantics and outcome tell the stage.
    derived_keys=(("semantics", "stage"), ("outcome", "stage")),
)
