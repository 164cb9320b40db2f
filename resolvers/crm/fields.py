"""The GraphQL filter and order fields of each CRM list, and the SQL each one reads.

Declared once here: filters, ordering (and a future SQL compiler) read these maps. Keys are
the GraphQL field names of the ``XFilter`` inputs and ``XOrderField`` enums.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, SQLColumnExpression, func, or_, select

from models.crm import (
    Activity,
    Company,
    Contact,
    ContactCompany,
    CrmEntity,
    Deal,
    DealContact,
    Lead,
)
from resolvers.crm.communications import search_communications
from resolvers.crm.filtering import FieldKind, Fields, FieldSpec, Readable

ID, TEXT, DECIMAL, INT, DATETIME, BOOLEAN = (
    FieldKind.ID,
    FieldKind.TEXT,
    FieldKind.DECIMAL,
    FieldKind.INT,
    FieldKind.DATETIME,
    FieldKind.BOOLEAN,
)


def _contains(column: SQLColumnExpression[str], term: str) -> ColumnElement[bool]:
    return func.lower(column).contains(term.lower(), autoescape=True)


def _search_leads(term: str, readable: Readable) -> ColumnElement[bool]:
    return or_(
        *(
            _contains(column, term)
            for column in (Lead.title, Lead.first_name, Lead.last_name, Lead.company_title)
        ),
        Lead.id.in_(search_communications(CrmEntity.LEAD, term)),
    )


def _search_contacts(term: str, readable: Readable) -> ColumnElement[bool]:
    return or_(
        _contains(Contact.first_name, term),
        _contains(Contact.last_name, term),
        _contains(Contact.first_name + " " + Contact.last_name, term),
        Contact.id.in_(search_communications(CrmEntity.CONTACT, term)),
    )


def _search_companies(term: str, readable: Readable) -> ColumnElement[bool]:
    return or_(
        _contains(Company.title, term),
        Company.id.in_(search_communications(CrmEntity.COMPANY, term)),
    )


def _search_deals(term: str, readable: Readable) -> ColumnElement[bool]:
    """The deal's title, or its company's title when the viewer may read that company."""
    companies = select(Company.id).where(
        _contains(Company.title, term), readable(CrmEntity.COMPANY)
    )
    return or_(_contains(Deal.title, term), Deal.company_id.in_(companies))


def _own(entity: CrmEntity, *names: str) -> frozenset[tuple[CrmEntity, str]]:
    return frozenset((entity, name) for name in names)


def _common(model: type[Lead] | type[Contact] | type[Company] | type[Deal]) -> dict[str, FieldSpec]:
    return {
        "assignedToId": FieldSpec(model.assigned_to_id, ID, "User", rule="assignedTo"),
        "createdById": FieldSpec(model.created_by_id, ID, "User", rule="createdBy"),
        "opened": FieldSpec(model.opened, BOOLEAN, rule="opened"),
        "createdAt": FieldSpec(model.created_at, DATETIME, orderable=True, rule="createdAt"),
        "updatedAt": FieldSpec(model.updated_at, DATETIME, orderable=True, rule="updatedAt"),
    }


LEAD_FIELDS = Fields(
    by_name={
        "id": FieldSpec(Lead.id, ID, "Lead", orderable=True),
        "title": FieldSpec(Lead.title, TEXT, orderable=True, rule="title"),
        "firstName": FieldSpec(Lead.first_name, TEXT, orderable=True, rule="firstName"),
        "lastName": FieldSpec(Lead.last_name, TEXT, orderable=True, rule="lastName"),
        "companyTitle": FieldSpec(Lead.company_title, TEXT, rule="companyTitle"),
        "statusId": FieldSpec(Lead.status_id, ID, "LeadStatus", rule="status"),
        "sourceId": FieldSpec(Lead.source_id, ID, "LeadSource", rule="source"),
        "utmSource": FieldSpec(Lead.utm_source, TEXT, rule="utmSource"),
        "utmMedium": FieldSpec(Lead.utm_medium, TEXT, rule="utmMedium"),
        "utmCampaign": FieldSpec(Lead.utm_campaign, TEXT, rule="utmCampaign"),
        "isRepeat": FieldSpec(Lead.is_repeat, BOOLEAN),
        "convertedAt": FieldSpec(Lead.converted_at, DATETIME, rule="convertedAt"),
        **_common(Lead),
    },
    pk=Lead.id,
    search=_search_leads,
    default_order=[("createdAt", True)],
    entity=CrmEntity.LEAD,
    searched=_own(
        CrmEntity.LEAD, "title", "firstName", "lastName", "companyTitle", "communications"
    ),
)

CONTACT_FIELDS = Fields(
    by_name={
        "id": FieldSpec(Contact.id, ID, "Contact", orderable=True),
        "firstName": FieldSpec(Contact.first_name, TEXT, orderable=True, rule="firstName"),
        "lastName": FieldSpec(Contact.last_name, TEXT, orderable=True, rule="lastName"),
        "position": FieldSpec(Contact.position, TEXT, rule="position"),
        "companyId": FieldSpec(
            ContactCompany.company_id,
            ID,
            "Company",
            through=ContactCompany.contact_id,
            rule="companies",
            other_end=(CrmEntity.COMPANY, "contacts"),
        ),
        "sourceLeadId": FieldSpec(
            Contact.source_lead_id, ID, "Lead", other_end=(CrmEntity.LEAD, "contact")
        ),
        **_common(Contact),
    },
    pk=Contact.id,
    search=_search_contacts,
    default_order=[("lastName", False), ("firstName", False)],
    entity=CrmEntity.CONTACT,
    searched=_own(CrmEntity.CONTACT, "firstName", "lastName", "communications"),
)

COMPANY_FIELDS = Fields(
    by_name={
        "id": FieldSpec(Company.id, ID, "Company", orderable=True),
        "title": FieldSpec(Company.title, TEXT, orderable=True, rule="title"),
        "industry": FieldSpec(Company.industry, TEXT, rule="industry"),
        "revenue": FieldSpec(Company.revenue, DECIMAL, rule="revenue"),
        "employees": FieldSpec(Company.employees, INT, rule="employees"),
        "sourceLeadId": FieldSpec(
            Company.source_lead_id, ID, "Lead", other_end=(CrmEntity.LEAD, "company")
        ),
        **_common(Company),
    },
    pk=Company.id,
    search=_search_companies,
    default_order=[("title", False)],
    entity=CrmEntity.COMPANY,
    searched=_own(CrmEntity.COMPANY, "title", "communications"),
)

DEAL_FIELDS = Fields(
    by_name={
        "id": FieldSpec(Deal.id, ID, "Deal", orderable=True),
        "title": FieldSpec(Deal.title, TEXT, orderable=True, rule="title"),
        "amount": FieldSpec(Deal.amount, DECIMAL, orderable=True, rule="amount"),
        "currency": FieldSpec(Deal.currency, TEXT, rule="currency"),
        "probability": FieldSpec(Deal.probability, INT, rule="probability"),
        "pipelineId": FieldSpec(Deal.pipeline_id, ID, "Pipeline"),
        "stageId": FieldSpec(Deal.stage_id, ID, "DealStage", rule="stage"),
        "companyId": FieldSpec(
            Deal.company_id, ID, "Company", rule="company", other_end=(CrmEntity.COMPANY, "deals")
        ),
        # A contact shows no deals: only the deal's own rule guards its contacts.
        "contactId": FieldSpec(
            DealContact.contact_id, ID, "Contact", through=DealContact.deal_id, rule="contacts"
        ),
        "sourceLeadId": FieldSpec(
            Deal.source_lead_id, ID, "Lead", other_end=(CrmEntity.LEAD, "deal")
        ),
        "closedAt": FieldSpec(Deal.closed_at, DATETIME, rule="closedAt"),
        **_common(Deal),
    },
    pk=Deal.id,
    search=_search_deals,
    default_order=[("createdAt", True)],
    entity=CrmEntity.DEAL,
    # The company's title, through the deal's company.
    searched=_own(CrmEntity.DEAL, "title", "company") | {(CrmEntity.COMPANY, "title")},
)

ACTIVITY_FIELDS = Fields(
    by_name={
        "id": FieldSpec(Activity.id, ID, "Activity", orderable=True),
        "subject": FieldSpec(Activity.subject, TEXT, orderable=True),
        "assignedToId": FieldSpec(Activity.assigned_to_id, ID, "User"),
        "completed": FieldSpec(Activity.completed, BOOLEAN),
        "startAt": FieldSpec(Activity.start_at, DATETIME),
        "createdAt": FieldSpec(Activity.created_at, DATETIME, orderable=True),
        "updatedAt": FieldSpec(Activity.updated_at, DATETIME, orderable=True),
    },
    pk=Activity.id,
    search=lambda term, _readable: _contains(Activity.subject, term),
    default_order=[("createdAt", True)],
)
