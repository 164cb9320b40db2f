"""GraphQL for merging duplicates: mergeLeads, mergeContacts, mergeCompanies."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from models.crm import CrmEntity
from models.crm.entities import type_name_of
from resolvers.crm import contacts, leads, merges
from resolvers.crm.records import NO_HOOKS, UpdateHooks
from schema.context import Info
from schema.crm.companies import Company
from schema.crm.contacts import Contact
from schema.crm.leads import Lead
from schema.relay import decode_id


@strawberry.input(description="Which record's value of one field the survivor of a merge keeps.")
class FieldChoice:
    field: str = strawberry.field(
        description="The field as the entity's patch input names it (`title`, `assignedToId`, "
        "`statusId`), or a custom field's code; not `communications` nor links, which are "
        "merged whole."
    )
    from_: strawberry.ID = strawberry.field(
        name="from",
        description="The record whose value is kept: one of `mergedIds`, or the survivor.",
    )


SurvivorId = Annotated[
    strawberry.ID,
    strawberry.argument(
        description="The record that stays: you need UPDATE on it. Its ID never changes."
    ),
]
MergedIds = Annotated[
    list[strawberry.ID],
    strawberry.argument(
        description=f"The records merged into the survivor and then deleted, at most "
        f"{merges.MAX_MERGED}: you need DELETE on each. Their values fill the survivor's "
        "empty fields in this order."
    ),
]
Choices = Annotated[
    list[FieldChoice] | None,
    strawberry.argument(
        description="Fields whose value comes from a named record. A field not chosen keeps "
        "the survivor's value, or, where that is empty, takes the first non-empty value of "
        "the merged records."
    ),
]


async def _merge(
    info: Info,
    entity: CrmEntity,
    survivor_id: strawberry.ID,
    merged_ids: list[strawberry.ID],
    fields: list[FieldChoice] | None,
    hooks: UpdateHooks,
) -> Any:
    type_name = type_name_of(entity)
    survivor = decode_id(survivor_id, type_name, "survivorId")
    merged = [
        decode_id(each, type_name, f"mergedIds.{index}") for index, each in enumerate(merged_ids)
    ]
    choices = [
        merges.FieldChoice(choice.field, decode_id(choice.from_, type_name, f"fields.{index}.from"))
        for index, choice in enumerate(fields or [])
    ]
    return await merges.merge_records(info.context, entity, survivor, merged, choices, hooks)


@strawberry.type
class MergeMutations:
    @strawberry.mutation(
        description="Merges duplicate leads into one: their phones, e-mails, activities, "
        "timelines, tasks and links move to the survivor, the others are deleted; all or "
        'nothing. See docs/data.md, "Merging duplicates".'
    )
    async def merge_leads(
        self, info: Info, survivor_id: SurvivorId, merged_ids: MergedIds, fields: Choices = None
    ) -> Lead:
        row = await _merge(
            info, CrmEntity.LEAD, survivor_id, merged_ids, fields, leads.UPDATE_HOOKS
        )
        return Lead.of(row)

    @strawberry.mutation(
        description="Merges duplicate contacts into one, as mergeLeads does; their deals and "
        "companies move to the survivor."
    )
    async def merge_contacts(
        self, info: Info, survivor_id: SurvivorId, merged_ids: MergedIds, fields: Choices = None
    ) -> Contact:
        row = await _merge(
            info, CrmEntity.CONTACT, survivor_id, merged_ids, fields, contacts.UPDATE_HOOKS
        )
        return Contact.of(row)

    @strawberry.mutation(
        description="Merges duplicate companies into one, as mergeLeads does; their deals and "
        "contacts move to the survivor."
    )
    async def merge_companies(
        self, info: Info, survivor_id: SurvivorId, merged_ids: MergedIds, fields: Choices = None
    ) -> Company:
        row = await _merge(info, CrmEntity.COMPANY, survivor_id, merged_ids, fields, NO_HOOKS)
        return Company.of(row)
