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

# Fields no field rule names that tell the value of one that a rule may hide: they are hidden
# wherever it is (masks, filters, orders). A converted lead's conversion time and its links
# to the contact, company and deal it became say that its status is a success.
REVEALING: dict[CrmEntity, dict[str, frozenset[str]]] = {
    CrmEntity.LEAD: {"status": frozenset(("convertedAt", "contact", "company", "deal"))},
}


def with_revealing(entity: CrmEntity, hidden: frozenset[str]) -> frozenset[str]:
    """``hidden`` and the fields that reveal one of them (``REVEALING``)."""
    revealing = REVEALING.get(entity, {})
    return hidden.union(*(revealing[name] for name in hidden if name in revealing))


def maskable_fields(entity: CrmEntity) -> frozenset[str]:
    """Every field a mask may hide: those rules name and those that reveal them."""
    return with_revealing(entity, ENTITY_FIELDS[entity])


RecordModel = type[Lead] | type[Contact] | type[Company] | type[Deal]

RECORD_MODELS: dict[CrmEntity, RecordModel] = {
    CrmEntity.LEAD: Lead,
    CrmEntity.CONTACT: Contact,
    CrmEntity.COMPANY: Company,
    CrmEntity.DEAL: Deal,
}


def has_statuses(entity: CrmEntity) -> bool:
    return RECORD_COLUMNS[entity].status is not None
