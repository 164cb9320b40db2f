"""Field rules in SQL: on which rows of a list a field is shown to the viewer.

Ordering a list by a field that is hidden on some of its rows must not reveal the hidden
values, through the order of the rows or through the keyset cursors, which carry the sort
values. Such a field sorts as NULL sorts in PostgreSQL: the rows where it is hidden come
after the others in ascending order and before them in descending order, and among
themselves by the next sort keys (finally the primary key); their sort value in the cursor
is a placeholder. A field no role of the viewer hides sorts by its column alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, false, or_, select, true

from auth.policy import RECORD_COLUMNS, CompiledPolicy, Envelope
from models.crm import CrmEntity
from models.crm.entities import declaration_of
from resolvers.context import RequestContext
from resolvers.crm.filtering import Fields


async def shown_where(ctx: RequestContext, entity: CrmEntity, field: str) -> ColumnElement[bool]:
    """The rows of ``entity`` on which ``field`` is not hidden from the viewer, as a WHERE
    clause (``shown_in``); reads the entity's statuses (one statement) when a role may hide
    the field."""
    policy = ctx.require_policy()
    if not policy.may_hide_field(entity, field):
        return true()
    has_statuses = RECORD_COLUMNS[entity].status is not None
    return shown_in(policy, entity, field, await _status_ids(ctx, entity) if has_statuses else [])


def shown_in(
    policy: CompiledPolicy, entity: CrmEntity, field: str, status_ids: Sequence[int]
) -> ColumnElement[bool]:
    """The SQL twin of ``CompiledPolicy.hidden_fields`` for one field, given every status of
    the entity: a field is shown where some role of the viewer grants READ on the row and
    does not hide the field in the row's status."""
    status = RECORD_COLUMNS[entity].status
    viewer = policy.viewer
    if viewer.is_admin:
        return true()
    terms = []
    for role in policy.roles:
        alone = CompiledPolicy(viewer, [role], policy.catalog)

        def hides(status_id: int | None, alone: CompiledPolicy = alone) -> bool:
            # The viewer's own record: every level that grants anything reaches it.
            own = Envelope(entity, viewer.user_id, viewer.department_path, False, status_id)
            return field in alone.hidden_fields(own)

        reads = alone.read_filter(entity, bulk=True)
        if status is None:
            if not hides(None):
                terms.append(reads)
            continue
        hidden_in = [status_id for status_id in status_ids if hides(status_id)]
        terms.append(and_(reads, status.not_in(hidden_in)) if hidden_in else reads)
    return or_(false(), *terms)


async def _status_ids(ctx: RequestContext, entity: CrmEntity) -> list[int]:
    model = declaration_of(entity).status_model
    if model is None:
        return []
    async with ctx.db() as session:
        return list(await session.scalars(select(model.id)))


async def order_masks(
    ctx: RequestContext, fields: Fields, order: Sequence[tuple[str, bool]]
) -> dict[str, ColumnElement[bool]]:
    """For each field of ``order`` (or of the list's default order) that may be hidden on some
    rows, where it is shown: ``sort_keys`` sorts it as described above."""
    masks: dict[str, ColumnElement[bool]] = {}
    entity, policy = fields.entity, ctx.require_policy()
    if entity is None:
        return masks
    for name, _descending in order or fields.default_order:
        rule = _rule_of(fields, name)
        if rule is not None and policy.may_hide_field(entity, rule):
            masks[name] = await shown_where(ctx, entity, rule)
    return masks


def _rule_of(fields: Fields, name: str) -> str | None:
    spec = fields.by_name.get(name)
    return None if spec is None else spec.rule
