"""Bulk actions on CRM records, chosen by ids or by a filter (a view's, perhaps): each record
goes through the same one-record command as its single mutation (``records.update_record``,
``records.delete_record``, ``deals.move_deal``), in its own transaction. So rights,
validation and events are exactly those of one-by-one calls: one event per changed record,
and a record refused is left untouched while the others change.

A filter selects only records the viewer may read (one statement, whatever their number);
at most ``Services.bulk_max_records`` records per call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from models.crm import CrmEntity
from models.crm.entities import declaration_of
from resolvers.context import RequestContext
from resolvers.crm import deals, records
from resolvers.crm.common import refuse_hidden_fields
from resolvers.crm.custom_values import with_custom_fields
from resolvers.crm.fields import RECORD_FIELDS
from resolvers.crm.filtering import Filter, where
from resolvers.crm.records import RecordChanges, UpdateHooks
from resolvers.crm.visibility import visible
from resolvers.errors import BadInput, DomainError, ServiceUnavailable


@dataclass(frozen=True)
class Refusal:
    """A record the action left as it was, and why (the error its single mutation gives)."""

    pk: int
    code: str
    message: str
    field: str | None = None


@dataclass
class BulkResult:
    changed: list[int] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


@dataclass(frozen=True)
class Selection:
    """Which records: ``ids``, or (not both) the readable records ``filter`` matches."""

    ids: Sequence[int] | None = None
    filter: Filter | None = None


async def selected_ids(ctx: RequestContext, entity: CrmEntity, selection: Selection) -> list[int]:
    """The records' ids, in the order given (by ids) or by id (by filter); BAD_USER_INPUT
    past the cap, or for neither or both ways of choosing."""
    ctx.require_viewer()
    cap = ctx.services.bulk_max_records
    if (selection.ids is None) == (selection.filter is None):
        raise BadInput("Give either ids or a filter (or a view)", field="ids")
    if selection.ids is not None:
        unique = list(dict.fromkeys(selection.ids))
        if len(unique) > cap:
            raise BadInput(f"At most {cap} records per call", field="ids")
        return unique
    filter = selection.filter or Filter()
    fields = await with_custom_fields(ctx, entity, RECORD_FIELDS[entity], filter, ())
    refuse_hidden_fields(ctx, fields, filter)
    policy = ctx.require_policy()
    condition = where(fields, filter, readable=lambda other: policy.read_filter(other, bulk=True))
    model = declaration_of(entity).model
    statement = (
        visible(ctx, entity, bulk=True)
        .with_only_columns(model.id)
        .where(condition)
        .order_by(model.id)
        .limit(cap + 1)
    )
    async with ctx.db() as session:
        ids = list(await session.scalars(statement))
    if len(ids) > cap:
        raise BadInput(
            f"The filter selects more than {cap} records: narrow it, or act in parts",
            field="filter",
        )
    return ids


async def each(ids: Sequence[int], command: Callable[[int], Awaitable[object]]) -> BulkResult:
    """Runs ``command`` on every id; a refused record is noted with its error's code."""
    result = BulkResult()
    for pk in ids:
        try:
            await command(pk)
        except ServiceUnavailable:
            raise
        except DomainError as error:
            result.refused.append(Refusal(pk, error.code, error.message, error.field))
        else:
            result.changed.append(pk)
    return result


async def bulk_update(
    ctx: RequestContext,
    entity: CrmEntity,
    selection: Selection,
    changes: RecordChanges,
    hooks: UpdateHooks = records.NO_HOOKS,
) -> BulkResult:
    ids = await selected_ids(ctx, entity, selection)

    async def update(pk: int) -> None:
        await records.update_record(ctx, entity, pk, changes, hooks)

    return await each(ids, update)


async def bulk_delete(ctx: RequestContext, entity: CrmEntity, selection: Selection) -> BulkResult:
    ids = await selected_ids(ctx, entity, selection)

    async def remove(pk: int) -> None:
        await records.delete_record(ctx, entity, pk)

    return await each(ids, remove)


async def bulk_move_deals(ctx: RequestContext, selection: Selection, stage_id: int) -> BulkResult:
    ids = await selected_ids(ctx, CrmEntity.DEAL, selection)

    async def move(pk: int) -> None:
        await deals.move_deal(ctx, pk, stage_id)

    return await each(ids, move)
