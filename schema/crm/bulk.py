"""GraphQL for bulk actions: ``bulkUpdateX``, ``bulkDeleteX`` (X: Leads, Contacts,
Companies, Deals) and ``bulkMoveDeals``, on records chosen by ``ids`` or by ``filter`` and /
or ``view`` (``resolvers/crm/bulk.py``)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from models.crm import CrmEntity
from models.crm.entities import type_name_of
from resolvers.crm import bulk, contacts, leads, saved_views
from resolvers.crm.fields import RECORD_FIELDS
from resolvers.crm.records import NO_HOOKS, UpdateHooks
from resolvers.errors import BadInput
from schema.context import Info
from schema.crm.companies import CompanyFilter, CompanyPatch
from schema.crm.contacts import ContactFilter, ContactPatch
from schema.crm.deals import DealFilter, DealPatch
from schema.crm.filters import to_filter
from schema.crm.generated import patch_changes
from schema.crm.leads import LeadFilter, LeadPatch
from schema.relay import decode_id, decode_optional_id, encode_id


@strawberry.type(description="A record a bulk action left as it was, and why.")
class BulkRefusal:
    id: strawberry.ID = strawberry.field(description="The record's ID, as given or found.")
    code: str = strawberry.field(
        description="The error its single mutation gives: FORBIDDEN (no right), NOT_FOUND "
        "(not readable), BAD_USER_INPUT (an invalid value, a stage not allowed), CONFLICT…"
    )
    message: str = strawberry.field(description="What was wrong.")
    field: str | None = strawberry.field(description="The field named, if any.")


@strawberry.type(
    description="What a bulk action did: each record either changed (in its own "
    "transaction, with its own event) or was refused and left untouched."
)
class BulkResult:
    changed: list[strawberry.ID] = strawberry.field(
        description="The records acted on, in the order chosen."
    )
    refused: list[BulkRefusal] = strawberry.field(description="The records refused, and why.")

    @classmethod
    def of(cls, entity: CrmEntity, result: bulk.BulkResult) -> BulkResult:
        name = type_name_of(entity)
        return cls(
            changed=[encode_id(name, pk) for pk in result.changed],
            refused=[
                BulkRefusal(
                    id=encode_id(name, item.pk),
                    code=item.code,
                    message=item.message,
                    field=item.field,
                )
                for item in result.refused
            ],
        )


_IDS = "The records, by ID (at most the configured cap); or give `filter` and / or `view`."
_FILTER = "The readable records the filter matches (as the list takes it); with `view`, both."
_VIEW = "A saved view of this entity: its filter (and search) choose the records."
Ids = Annotated[list[strawberry.ID] | None, strawberry.argument(description=_IDS)]
View = Annotated[strawberry.ID | None, strawberry.argument(description=_VIEW)]
_PATCH = "The change, as `updateX(input:)` takes it, applied to each record."


async def _selection(
    info: Info, entity: CrmEntity, ids: list[strawberry.ID] | None, filter: Any, view: Any
) -> bulk.Selection:
    name = type_name_of(entity)
    if ids is not None:
        if filter is not None or view is not None:
            raise BadInput("Give either ids or a filter / view, not both", field="ids")
        return bulk.Selection(ids=[decode_id(item, name, f"ids.{i}") for i, item in enumerate(ids)])
    if filter is None and view is None:
        return bulk.Selection()
    applied = await saved_views.apply_view(
        info.context,
        entity,
        decode_optional_id(view, "SavedView", "view"),
        to_filter(filter, RECORD_FIELDS[entity]),
        (),
    )
    return bulk.Selection(filter=applied.filter)


async def _update(
    info: Info,
    entity: CrmEntity,
    ids: list[strawberry.ID] | None,
    filter: Any,
    view: Any,
    patch: Any,
    hooks: UpdateHooks = NO_HOOKS,
) -> BulkResult:
    changes = patch_changes(entity, patch)
    selection = await _selection(info, entity, ids, filter, view)
    result = await bulk.bulk_update(info.context, entity, selection, changes, hooks)
    return BulkResult.of(entity, result)


async def _delete(
    info: Info, entity: CrmEntity, ids: list[strawberry.ID] | None, filter: Any, view: Any
) -> BulkResult:
    selection = await _selection(info, entity, ids, filter, view)
    return BulkResult.of(entity, await bulk.bulk_delete(info.context, entity, selection))


def _described(action: str, what: str) -> str:
    return (
        f"{action} {what} one by one, each as its single mutation would (rights, checks, "
        "events), in its own transaction: a refused record is listed with its error and "
        "left untouched. By `ids`, or by `filter` / `view` (readable records only)."
    )


LeadFilterArg = Annotated[LeadFilter | None, strawberry.argument(description=_FILTER)]
ContactFilterArg = Annotated[ContactFilter | None, strawberry.argument(description=_FILTER)]
CompanyFilterArg = Annotated[CompanyFilter | None, strawberry.argument(description=_FILTER)]
DealFilterArg = Annotated[DealFilter | None, strawberry.argument(description=_FILTER)]


@strawberry.type
class BulkMutations:
    @strawberry.mutation(
        description=_described("Updates", "leads") + " Reassign with "
        "`assignedToId`, change the status with `statusId`."
    )
    async def bulk_update_leads(
        self,
        info: Info,
        patch: Annotated[LeadPatch, strawberry.argument(description=_PATCH)],
        ids: Ids = None,
        filter: LeadFilterArg = None,
        view: View = None,
    ) -> BulkResult:
        return await _update(info, CrmEntity.LEAD, ids, filter, view, patch, leads.UPDATE_HOOKS)

    @strawberry.mutation(description=_described("Updates", "contacts"))
    async def bulk_update_contacts(
        self,
        info: Info,
        patch: Annotated[ContactPatch, strawberry.argument(description=_PATCH)],
        ids: Ids = None,
        filter: ContactFilterArg = None,
        view: View = None,
    ) -> BulkResult:
        return await _update(
            info, CrmEntity.CONTACT, ids, filter, view, patch, contacts.UPDATE_HOOKS
        )

    @strawberry.mutation(description=_described("Updates", "companies"))
    async def bulk_update_companies(
        self,
        info: Info,
        patch: Annotated[CompanyPatch, strawberry.argument(description=_PATCH)],
        ids: Ids = None,
        filter: CompanyFilterArg = None,
        view: View = None,
    ) -> BulkResult:
        return await _update(info, CrmEntity.COMPANY, ids, filter, view, patch)

    @strawberry.mutation(description=_described("Updates", "deals"))
    async def bulk_update_deals(
        self,
        info: Info,
        patch: Annotated[DealPatch, strawberry.argument(description=_PATCH)],
        ids: Ids = None,
        filter: DealFilterArg = None,
        view: View = None,
    ) -> BulkResult:
        return await _update(info, CrmEntity.DEAL, ids, filter, view, patch)

    @strawberry.mutation(
        description=_described("Moves", "deals") + " A deal already in the stage counts as "
        "changed; a stage of another pipeline or one you may not move to refuses it."
    )
    async def bulk_move_deals(
        self,
        info: Info,
        stage_id: Annotated[strawberry.ID, strawberry.argument(description="The stage.")],
        ids: Ids = None,
        filter: DealFilterArg = None,
        view: View = None,
    ) -> BulkResult:
        stage = decode_id(stage_id, "DealStage", "stageId")
        selection = await _selection(info, CrmEntity.DEAL, ids, filter, view)
        result = await bulk.bulk_move_deals(info.context, selection, stage)
        return BulkResult.of(CrmEntity.DEAL, result)

    @strawberry.mutation(description=_described("Deletes", "leads"))
    async def bulk_delete_leads(
        self, info: Info, ids: Ids = None, filter: LeadFilterArg = None, view: View = None
    ) -> BulkResult:
        return await _delete(info, CrmEntity.LEAD, ids, filter, view)

    @strawberry.mutation(description=_described("Deletes", "contacts"))
    async def bulk_delete_contacts(
        self, info: Info, ids: Ids = None, filter: ContactFilterArg = None, view: View = None
    ) -> BulkResult:
        return await _delete(info, CrmEntity.CONTACT, ids, filter, view)

    @strawberry.mutation(description=_described("Deletes", "companies"))
    async def bulk_delete_companies(
        self, info: Info, ids: Ids = None, filter: CompanyFilterArg = None, view: View = None
    ) -> BulkResult:
        return await _delete(info, CrmEntity.COMPANY, ids, filter, view)

    @strawberry.mutation(description=_described("Deletes", "deals"))
    async def bulk_delete_deals(
        self, info: Info, ids: Ids = None, filter: DealFilterArg = None, view: View = None
    ) -> BulkResult:
        return await _delete(info, CrmEntity.DEAL, ids, filter, view)
