"""CRM records as task links and feed subjects: the CrmItem union and its global IDs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import strawberry

from models.crm import Company as CompanyRow
from models.crm import Contact as ContactRow
from models.crm import CrmEntity
from models.crm import Deal as DealRow
from models.crm import Lead as LeadRow
from resolvers.access.envelopes import CrmRecord
from resolvers.crm import task_links
from resolvers.crm.task_links import CrmKey
from resolvers.errors import BadInput
from schema.context import Info
from schema.crm.companies import Company
from schema.crm.contacts import Contact
from schema.crm.deals import Deal
from schema.crm.leads import Lead
from schema.relay import decode_any_id

CrmItem = Annotated[
    Lead | Contact | Company | Deal,
    strawberry.union("CrmItem", description="A lead, contact, company or deal a task is about."),
]

CRM_TYPE_NAMES: dict[str, CrmEntity] = {
    "Lead": CrmEntity.LEAD,
    "Contact": CrmEntity.CONTACT,
    "Company": CrmEntity.COMPANY,
    "Deal": CrmEntity.DEAL,
}


def crm_item_of(record: CrmRecord) -> CrmItem:
    if isinstance(record, LeadRow):
        return Lead.of(record)
    if isinstance(record, ContactRow):
        return Contact.of(record)
    if isinstance(record, CompanyRow):
        return Company.of(record)
    assert isinstance(record, DealRow)
    return Deal.of(record)


def decode_crm_item_id(global_id: str, field: str) -> CrmKey:
    """(entity, pk) of a Lead, Contact, Company or Deal ID; BAD_USER_INPUT for other types."""
    type_name, pk = decode_any_id(global_id, field)
    entity = CRM_TYPE_NAMES.get(type_name)
    if entity is None:
        raise BadInput(
            f"'{field}' must be the ID of a Lead, Contact, Company or Deal, not a {type_name}",
            field=field,
        )
    return entity, pk


def decode_crm_item_ids(global_ids: Sequence[str], field: str) -> list[CrmKey]:
    return [decode_crm_item_id(global_id, field) for global_id in global_ids]


async def load_crm_item(info: Info, entity: CrmEntity, pk: int) -> CrmItem | None:
    """The record if the viewer may READ it, else None (batched)."""
    record = await info.context.loader(task_links.crm_records_by_key).load((entity, pk))
    return None if record is None else crm_item_of(record)


async def load_crm_items_of_task(info: Info, task_pk: int) -> list[CrmItem]:
    records = await info.context.loader(task_links.crm_items_by_task_id).load(task_pk)
    return [crm_item_of(record) for record in records]
