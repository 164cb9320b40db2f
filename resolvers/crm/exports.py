"""Exports of a CRM list: asking for one (a signed, short-lived link), and reading it when the
link is opened, in keyset-ordered chunks, judged by the requester's rights at that moment.

A record is exported when the requester may both read and export it (READ and EXPORT, in
SQL, in the same WHERE as the list's filter). Field rules apply as on screen: a column the
requester may read on no record at all is left out of the header; a value hidden on some
records (a status rule) is left empty on those.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import select

from auth.policy import CompiledPolicy, Envelope
from auth.tokens import authenticate_id
from models import AccessAction, AccessLevel
from models.crm import CrmEntity
from models.crm.entities import declaration_of, type_name_of
from resolvers.access.loading import policy_for
from resolvers.context import RequestContext, Services
from resolvers.crm.common import list_query, refuse_hidden_fields
from resolvers.crm.custom_fields import definitions
from resolvers.crm.custom_values import with_custom_fields
from resolvers.crm.export_columns import Column, Row, cells, columns_of
from resolvers.crm.export_config import ExportFormat
from resolvers.crm.export_links import BadLink, ExportParams, sign, verify
from resolvers.crm.field_masks import order_masks
from resolvers.crm.fields import RECORD_FIELDS
from resolvers.crm.filtering import Fields, Filter, sort_keys, where
from resolvers.crm.visibility import visible
from resolvers.errors import BadInput, Forbidden
from resolvers.pagination import PageRequest

# What a vCard is made of, in this order (its properties are fixed: no ``columns``).
VCARD_COLUMNS = ("firstName", "lastName", "position", "companies", "phones", "emails")
MAX_COLUMNS = 200


@dataclass(frozen=True)
class ExportLink:
    url: str
    expires_at: datetime
    # The columns the file will have (those the requester may read somewhere), in order.
    columns: list[str]


@dataclass
class OpenExport:
    """A link being read: the requester's context, what they asked, the columns they get."""

    ctx: RequestContext
    params: ExportParams
    header: list[Column]


async def request_export(
    ctx: RequestContext,
    entity: CrmEntity,
    filter: Filter,
    order: Sequence[tuple[str, bool]],
    columns: Sequence[str] | None,
    format: ExportFormat,
) -> ExportLink:
    """A download link for the list ``filter`` and ``order`` select, checked now as it will
    be when opened: FORBIDDEN without the EXPORT right, BAD_USER_INPUT for a vCard of
    anything but contacts or an unknown column (named)."""
    viewer = ctx.require_viewer()
    require_export_right(ctx, entity)
    wanted = _wanted_columns(entity, columns, format)
    header = await export_header(ctx, entity, wanted)
    await check_query(ctx, entity, filter, order)
    config = ctx.services.exports
    expires = datetime.now(UTC).replace(microsecond=0) + config.link_ttl
    params = ExportParams(
        entity=entity,
        format=format,
        columns=tuple(wanted),
        filter=filter,
        order=tuple(order),
        user_id=viewer.user_id,
        token_id=viewer.token_id,
        expires=expires,
    )
    token = sign(params, ctx.services.auth.token_secret)
    return ExportLink(
        url=f"{config.public_base_url.rstrip('/')}/exports/{token}",
        expires_at=expires,
        columns=[column.name for column in header],
    )


def _wanted_columns(
    entity: CrmEntity, columns: Sequence[str] | None, format: ExportFormat
) -> list[str]:
    if format is ExportFormat.VCARD:
        if entity is not CrmEntity.CONTACT:
            raise BadInput("vCard exports contacts only", field="format")
        if columns:
            raise BadInput("A vCard's properties are fixed: give no columns", field="columns")
        return list(VCARD_COLUMNS)
    wanted = list(columns or ())
    if len(wanted) > MAX_COLUMNS:
        raise BadInput(f"At most {MAX_COLUMNS} columns", field="columns")
    if len(set(wanted)) != len(wanted):
        raise BadInput("Each column may appear once", field="columns")
    return wanted


def require_export_right(ctx: RequestContext, entity: CrmEntity) -> None:
    policy = ctx.require_policy()
    if not any(
        row.entity is entity and row.action is AccessAction.EXPORT and row.level is not NONE
        for row in policy.summary()
    ):
        raise Forbidden(f"You may not export {type_name_of(entity).lower()} records")


NONE = AccessLevel.NONE


async def export_header(
    ctx: RequestContext, entity: CrmEntity, wanted: Sequence[str]
) -> list[Column]:
    """The columns asked for (all when none are), without those the viewer may read on no
    record; BAD_USER_INPUT naming the unknown ones."""
    available = columns_of(entity, await definitions(ctx, entity))
    unknown = [name for name in wanted if name not in available]
    if unknown:
        raise BadInput(f"Unknown columns: {', '.join(unknown)}", field="columns")
    asked = [available[name] for name in wanted] if wanted else list(available.values())
    policy = ctx.require_policy()
    maybe_hidden = {
        column.rule
        for column in asked
        if column.rule is not None and policy.may_hide_field(entity, column.rule)
    }
    never = set()
    if maybe_hidden:
        statuses = await _statuses(ctx, entity)
        never = {
            rule for rule in maybe_hidden if not _readable_somewhere(policy, entity, rule, statuses)
        }
    return [column for column in asked if column.rule not in never]


async def _statuses(ctx: RequestContext, entity: CrmEntity) -> list[int | None]:
    status_model = declaration_of(entity).status_model
    if status_model is None:
        return [None]
    async with ctx.db() as session:
        return list(await session.scalars(select(status_model.id)))


def _readable_somewhere(
    policy: CompiledPolicy, entity: CrmEntity, rule: str, statuses: Sequence[int | None]
) -> bool:
    """Whether some role of the viewer grants READ in some status without hiding ``rule``
    there (judged on the viewer's own record, which every level but NONE reaches)."""
    viewer = policy.viewer
    for role in policy.roles:
        alone = CompiledPolicy(viewer, [role], policy.catalog)
        for status_id in statuses:
            if alone.level(entity, AccessAction.READ, status_id) is NONE:
                continue
            own = Envelope(entity, viewer.user_id, viewer.department_path, False, status_id)
            if rule not in alone.hidden_fields(own):
                return True
    return False


async def check_query(
    ctx: RequestContext, entity: CrmEntity, filter: Filter, order: Sequence[tuple[str, bool]]
) -> Fields:
    """The list's fields, once the filter and order are known to compile for the viewer
    (BAD_USER_INPUT, or FORBIDDEN on a hidden field, as the list answers)."""
    fields = await with_custom_fields(ctx, entity, RECORD_FIELDS[entity], filter, order)
    refuse_hidden_fields(ctx, fields, filter)
    sort_keys(fields, order, await order_masks(ctx, fields, order))
    where(fields, filter)
    return fields


async def open_export(services: Services, token: str) -> OpenExport:
    """The export a link names, for its requester as they stand now; BadLink when the link
    is altered or expired or its session has ended, FORBIDDEN when the right is gone."""
    params = verify(token, services.auth.token_secret, datetime.now(UTC))
    ctx = RequestContext(services=services, viewer=None)
    try:
        async with ctx.db() as session:
            viewer = await authenticate_id(session, params.token_id, params.user_id)
        if viewer is None:
            raise BadLink("The session this link was made in has ended: log in and export again")
        ctx.viewer = viewer
        ctx.policy = await policy_for(services, viewer)
        require_export_right(ctx, params.entity)
        header = await export_header(ctx, params.entity, params.columns)
        await check_query(ctx, params.entity, params.filter, params.order)
    except BaseException:
        await ctx.close()
        raise
    return OpenExport(ctx, params, header)


async def export_chunks(export: OpenExport) -> AsyncIterator[list[Row]]:
    """The rows of an export, a chunk (one keyset page of ``chunk_rows``) at a time; the
    session is given back between chunks, so a long download holds no connection while
    the client reads. Closes the context at the end."""
    ctx, params = export.ctx, export.params
    size = ctx.services.exports.chunk_rows
    policy = ctx.require_policy()
    statement = visible(ctx, params.entity).where(policy.filter(params.entity, AccessAction.EXPORT))
    cursor: str | None = None
    try:
        while True:
            fields = await with_custom_fields(
                ctx, params.entity, RECORD_FIELDS[params.entity], params.filter, params.order
            )
            query = await list_query(ctx, statement, fields, params.filter, params.order)
            page = await query.page(ctx, PageRequest(first=size, after=cursor, max_size=size))
            yield await cells(ctx, params.entity, export.header, page.items)
            if not page.has_next_page or not page.items:
                return
            cursor = page.cursors[-1]
            await ctx.release()
    finally:
        await ctx.close()


def with_search(filter: Filter, search: str | None) -> Filter:
    """``filter`` and a free-text search (both must hold)."""
    if search is None:
        return filter
    if filter.search is None:
        return replace(filter, search=search)
    return Filter(all_of=[filter, Filter(search=search)])
