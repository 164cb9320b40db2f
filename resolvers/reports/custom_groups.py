"""Report groups by custom fields, named by their codes (``groupByCustom``).

A custom field's values live in ``crm_custom_values``, one row per value: a dimension over a
field is that field's distinct values per record (a DATE or DATETIME value as the period
holding it), outer joined to the counted records. So a record with several values (a
multiple enumeration, say) counts once in the group of each, a record without any in the
null group. Where a field rule hides the field from the viewer, the join finds nothing
(the mask is part of its ON clause) and the key says the dimension is hidden: the record
counts once, in the hidden group, as for a built-in dimension (``scope.dimensions``).
Every dimension is part of the one statement that groups the records: no query per group.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, select

from models.crm import CrmEntity, CustomFieldKind, CustomValue
from models.crm.entities import declaration_of
from resolvers.context import RequestContext
from resolvers.crm.custom_fields import definition_by_code
from resolvers.errors import BadInput
from resolvers.reports.grouping import Dimension
from resolvers.reports.periods import Period, day_period, period_of
from resolvers.reports.scope import may_hide, shown

KIND = CustomFieldKind
# Kinds whose values make groups: exact values, a user, a period. Long text, numbers with
# decimals and links to records do not.
GROUPABLE = frozenset(
    {
        KIND.ENUMERATION,
        KIND.BOOLEAN,
        KIND.USER,
        KIND.STRING,
        KIND.URL,
        KIND.EMAIL,
        KIND.PHONE,
        KIND.INTEGER,
        KIND.DATE,
        KIND.DATETIME,
    }
)
MAX_CUSTOM_DIMENSIONS = 3
ARGUMENT = "groupByCustom"


async def custom_dimensions(
    ctx: RequestContext, entity: CrmEntity, codes: Sequence[str], period: Period, zone: str
) -> list[Dimension]:
    """The dimensions of ``codes`` (custom fields of ``entity``), each masked where a field
    rule hides it; BAD_USER_INPUT naming an unknown or ungroupable field."""
    if not codes:
        return []
    if len(codes) > MAX_CUSTOM_DIMENSIONS:
        raise BadInput(f"Group by at most {MAX_CUSTOM_DIMENSIONS} custom fields", field=ARGUMENT)
    if len(set(codes)) != len(codes):
        raise BadInput(f"Each custom field may appear once in '{ARGUMENT}'", field=ARGUMENT)
    fields = await definition_by_code(ctx, entity)
    pk = declaration_of(entity).model.id
    found = []
    for index, code in enumerate(codes):
        field = fields.get(code)
        path = f"{ARGUMENT}.{code[:60]}"
        if field is None:
            raise BadInput(f"No custom field '{code[:60]}' on {entity.value.lower()}s", field=path)
        if field.kind not in GROUPABLE:
            raise BadInput(
                f"'{code}' is a {field.kind.value} field: reports group by "
                + ", ".join(sorted(kind.value for kind in GROUPABLE))
                + " fields",
                field=path,
            )
        where_shown = await shown(ctx, entity, [code]) if may_hide(ctx, entity, [code]) else None
        values = (
            select(CustomValue.record_id, _key(field.kind, period, zone).label("value"))
            .where(CustomValue.field_id == field.id)
            .distinct()
            .subquery(f"custom_group_{index}")
        )
        on: ColumnElement[bool] = values.c.record_id == pk
        if where_shown is not None:
            on = and_(on, where_shown)
        found.append(Dimension(code, values.c.value, where_shown, (values, on), field.kind))
    return found


def _key(kind: CustomFieldKind, period: Period, zone: str) -> SQLColumnExpression[Any]:
    if kind is KIND.BOOLEAN:
        return CustomValue.flag
    if kind in (KIND.USER, KIND.INTEGER):
        return CustomValue.integer
    if kind is KIND.DATE:
        return day_period(CustomValue.day, period.value)
    if kind is KIND.DATETIME:
        return period_of(CustomValue.moment, period, zone)
    return CustomValue.text
