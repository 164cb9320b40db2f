"""The filter and order fields of each CRM list, and the SQL each one reads.

The four CRM records' fields come from their declarations (``models.crm.entities``); keys
are the GraphQL field names of the ``XFilter`` inputs and ``XOrderField`` enums (a field's
``input_key``). Activities, which are no CRM record, declare theirs here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression, func, or_, select

from models.crm import Activity, CrmEntity
from models.crm.entities import (
    DECLARATIONS,
    EntityDeclaration,
    Field,
    FieldKind,
    declaration_of_type,
)
from resolvers.crm.communications import search_communications
from resolvers.crm.filtering import Fields, FieldSpec, Readable

ID, TEXT, BOOLEAN, DATETIME = FieldKind.ID, FieldKind.TEXT, FieldKind.BOOLEAN, FieldKind.DATETIME

Search = Callable[[str, Readable], ColumnElement[bool]]


def _contains(column: SQLColumnExpression[str], term: str) -> ColumnElement[bool]:
    return func.lower(column).contains(term.lower(), autoescape=True)


def _column(model: type[Any], attribute: str | None) -> SQLColumnExpression[Any]:
    column: SQLColumnExpression[Any] = getattr(model, attribute or "")
    return column


def _spec(declaration: EntityDeclaration, field: Field) -> FieldSpec:
    # Filtering or ordering on a field is judged by its rules, where a rule may hide it.
    rule = field.name if field.name in declaration.maskable_names() else None
    through = field.through
    if through is not None:
        return FieldSpec(
            _column(through.model, through.other),
            ID,
            field.target,
            through=_column(through.model, through.own),
            rule=rule,
            other_end=field.other_end,
        )
    return FieldSpec(
        _column(declaration.model, field.attribute),
        field.kind,
        field.target,
        orderable=field.orderable,
        rule=rule,
        other_end=field.other_end,
    )


def _field_search(declaration: EntityDeclaration, field: Field) -> Search:
    """How a search term matches one searchable field."""
    model = declaration.model
    if field.kind is FieldKind.COMMUNICATIONS:
        entity = declaration.entity
        return lambda term, _readable: model.id.in_(search_communications(entity, term))
    if field.searched_through:
        # The referred records that match and that the viewer may read.
        other = declaration_of_type(field.target or "")
        columns = [
            _column(other.model, other.field(name).attribute) for name in field.searched_through
        ]

        def through(term: str, readable: Readable) -> ColumnElement[bool]:
            matching = select(other.model.id).where(
                or_(*(_contains(column, term) for column in columns)), readable(other.entity)
            )
            return _column(model, field.attribute).in_(matching)

        return through
    return _text_search(_column(model, field.attribute))


def _text_search(column: SQLColumnExpression[Any]) -> Search:
    return lambda term, _readable: _contains(column, term)


def _search(declaration: EntityDeclaration) -> Search:
    searches = [
        _field_search(declaration, field) for field in declaration.fields if field.searchable
    ]
    for phrase in declaration.searched_phrases:
        first, *rest = (_column(declaration.model, name) for name in phrase)
        joined = first
        for column in rest:
            joined = joined + " " + column
        searches.append(_text_search(joined))
    return lambda term, readable: or_(*(search(term, readable) for search in searches))


def _searched(declaration: EntityDeclaration) -> frozenset[tuple[CrmEntity, str]]:
    """The fields a search reads, as (entity, field-rule name): its own, and those of the
    records it looks into."""
    searched: set[tuple[CrmEntity, str]] = set()
    for field in declaration.fields:
        if field.searchable:
            searched.add((declaration.entity, field.name))
        if field.searched_through:
            other = declaration_of_type(field.target or "").entity
            searched |= {(other, name) for name in field.searched_through}
    return frozenset(searched)


def fields_of(declaration: EntityDeclaration) -> Fields:
    return Fields(
        by_name={
            field.input_key: _spec(declaration, field)
            for field in declaration.fields
            if field.filterable
        },
        pk=declaration.model.id,
        search=_search(declaration),
        default_order=declaration.default_order,
        entity=declaration.entity,
        searched=_searched(declaration),
    )


RECORD_FIELDS: dict[CrmEntity, Fields] = {
    entity: fields_of(declaration) for entity, declaration in DECLARATIONS.items()
}

ACTIVITY_FIELDS = Fields(
    by_name={
        "id": FieldSpec(Activity.id, ID, "Activity", orderable=True),
        "subject": FieldSpec(Activity.subject, TEXT, orderable=True),
        "assignedToId": FieldSpec(Activity.assigned_to_id, ID, "User"),
        "completed": FieldSpec(Activity.completed, BOOLEAN),
        "startAt": FieldSpec(Activity.start_at, DATETIME),
        "createdAt": FieldSpec(Activity.created_at, DATETIME, orderable=True),
        "updatedAt": FieldSpec(Activity.updated_at, DATETIME, orderable=True),
    },
    pk=Activity.id,
    search=lambda term, _readable: _contains(Activity.subject, term),
    default_order=[("createdAt", True)],
)
