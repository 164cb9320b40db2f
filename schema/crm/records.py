"""The union of the four CRM types, and loading one of them by entity and key: what an
activity's owners and a custom field's record reference resolve to."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from models.crm import CrmEntity
from schema.context import Info

if TYPE_CHECKING:
    from schema.crm.companies import Company
    from schema.crm.contacts import Contact
    from schema.crm.deals import Deal
    from schema.crm.leads import Lead

CrmRecord = Annotated[
    Annotated["Lead", strawberry.lazy("schema.crm.leads")]
    | Annotated["Contact", strawberry.lazy("schema.crm.contacts")]
    | Annotated["Company", strawberry.lazy("schema.crm.companies")]
    | Annotated["Deal", strawberry.lazy("schema.crm.deals")],
    strawberry.union("CrmRecord", description="A lead, contact, company or deal."),
]


async def load_record(info: Info, entity: CrmEntity, pk: int) -> CrmRecord | None:
    from schema.crm.companies import load_company
    from schema.crm.contacts import load_contact
    from schema.crm.deals import load_deal
    from schema.crm.leads import load_lead

    loaders = {
        CrmEntity.LEAD: load_lead,
        CrmEntity.CONTACT: load_contact,
        CrmEntity.COMPANY: load_company,
        CrmEntity.DEAL: load_deal,
    }
    return await loaders[entity](info, pk)
