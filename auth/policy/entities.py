"""What the policy reads of each CRM entity, declared once: the columns its SQL predicates
test, and the field names field rules may name (the GraphQL field names of the entity)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import SQLColumnExpression

from models.crm import Company, Contact, CrmEntity, Deal, Lead


@dataclass(frozen=True)
class RecordColumns:
    """The columns of a CRM table (or of an alias of it) that access levels are judged by."""

    responsible: SQLColumnExpression[int | None]
    opened: SQLColumnExpression[bool]
    # The lead status or deal stage; None for entities without statuses.
    status: SQLColumnExpression[int] | None


RECORD_COLUMNS: dict[CrmEntity, RecordColumns] = {
    CrmEntity.LEAD: RecordColumns(Lead.assigned_to_id, Lead.opened, Lead.status_id),
    CrmEntity.CONTACT: RecordColumns(Contact.assigned_to_id, Contact.opened, None),
    CrmEntity.COMPANY: RecordColumns(Company.assigned_to_id, Company.opened, None),
    CrmEntity.DEAL: RecordColumns(Deal.assigned_to_id, Deal.opened, Deal.stage_id),
}

_COMMON = ("assignedTo", "createdBy", "opened", "createdAt", "updatedAt")

ENTITY_FIELDS: dict[CrmEntity, frozenset[str]] = {
    CrmEntity.LEAD: frozenset(
        (
            *_COMMON,
            "communications",
            "title",
            "firstName",
            "lastName",
            "companyTitle",
            "status",
            "source",
            "sourceDescription",
            "utmSource",
            "utmMedium",
            "utmCampaign",
            "utmContent",
            "utmTerm",
        )
    ),
    CrmEntity.CONTACT: frozenset(
        (*_COMMON, "communications", "firstName", "lastName", "position", "companies")
    ),
    CrmEntity.COMPANY: frozenset(
        (
            *_COMMON,
            "communications",
            "title",
            "industry",
            "revenue",
            "employees",
            "address",
            "contacts",
            "deals",
        )
    ),
    CrmEntity.DEAL: frozenset(
        (
            *_COMMON,
            "title",
            "stage",
            "amount",
            "currency",
            "probability",
            "company",
            "contacts",
            "closedAt",
        )
    ),
}


RecordModel = type[Lead] | type[Contact] | type[Company] | type[Deal]

RECORD_MODELS: dict[CrmEntity, RecordModel] = {
    CrmEntity.LEAD: Lead,
    CrmEntity.CONTACT: Contact,
    CrmEntity.COMPANY: Company,
    CrmEntity.DEAL: Deal,
}


def has_statuses(entity: CrmEntity) -> bool:
    return RECORD_COLUMNS[entity].status is not None
