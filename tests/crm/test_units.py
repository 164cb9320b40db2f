"""Focused checks of the pure parts: phone normalisation, communication checks, filters."""

from __future__ import annotations

import typing

import pytest
from sqlalchemy.dialects import sqlite

from models.crm import CommunicationKind, CrmEntity
from resolvers.crm.communications import NewCommunication, clean, normalize_phone
from resolvers.crm.fields import RECORD_FIELDS
from resolvers.crm.filtering import Condition, Filter, sort_keys, where
from resolvers.errors import BadInput


@pytest.mark.parametrize(
    ("written", "normalized"),
    [
        ("+7 (495) 123-45-67", "74951234567"),
        ("8 495 123 45 67", "74951234567"),
        ("84951234567", "74951234567"),
        ("+1 212-555-0100", "12125550100"),
        ("8123", "8123"),  # not an 11-digit Russian number: kept as written
    ],
)
def test_phone_normalisation(written: str, normalized: str) -> None:
    assert normalize_phone(written) == normalized


def test_emails_are_lower_cased_and_checked() -> None:
    (item,) = clean([NewCommunication(CommunicationKind.EMAIL, " Ann@Example.COM ")])
    assert (item.value, item.normalized) == ("ann@example.com", "ann@example.com")
    with pytest.raises(BadInput) as refused:
        clean(
            [
                NewCommunication(CommunicationKind.EMAIL, "ann@"),
            ]
        )
    assert refused.value.field == "communications.0.value"


def _sql(filter: Filter) -> str:
    compiled = where(RECORD_FIELDS[CrmEntity.DEAL], filter).compile(
        dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}
    )
    return str(compiled)


def test_filters_compile_to_sql() -> None:
    sql = _sql(
        Filter(
            conditions={"amount": Condition(gte=10)},
            any_of=[Filter(conditions={"stageId": Condition(in_=[1, 2])})],
            negated=Filter(conditions={"title": Condition(starts_with="Te%")}),
        )
    )
    assert "crm_deals.amount >= 10" in sql  # Money binds floats on SQLite
    assert "crm_deals.stage_id IN (1, 2)" in sql
    assert "NOT (lower(crm_deals.title) LIKE 'te/%' || '%' ESCAPE '/')" in sql


def test_many_to_many_filters_go_through_the_link_table() -> None:
    sql = _sql(Filter(conditions={"contactId": Condition(eq=5)}))
    assert "crm_deals.id IN (SELECT crm_deal_contacts.deal_id" in sql


def test_unknown_fields_and_orders_are_refused() -> None:
    with pytest.raises(BadInput) as unknown:
        _sql(Filter(conditions={"colour": Condition(eq=1)}))
    assert unknown.value.field == "filter.colour"
    with pytest.raises(BadInput):
        sort_keys(RECORD_FIELDS[CrmEntity.DEAL], [("closedAt", False)])  # nullable: not orderable


def test_order_ends_with_the_primary_key() -> None:
    keys = sort_keys(RECORD_FIELDS[CrmEntity.DEAL], [("amount", True)])
    assert [key.descending for key in keys] == [True, True]
    assert keys[-1].expression is RECORD_FIELDS[CrmEntity.DEAL].pk


def test_every_graphql_filter_and_order_field_is_declared_once_in_fields() -> None:
    import dataclasses

    from strawberry.utils.str_converters import to_camel_case

    from resolvers.crm import fields
    from schema.crm import activities, companies, contacts, deals, leads
    from schema.crm.filters import DateTimeFilter, DecimalFilter, IDFilter, IntFilter, StringFilter

    input_kinds = {
        IDFilter: "ID",
        StringFilter: "TEXT",
        DecimalFilter: "DECIMAL",
        IntFilter: "INT",
        DateTimeFilter: "DATETIME",
        bool: "BOOLEAN",
    }
    entities = [
        (leads.LeadFilter, leads.LeadOrderField, fields.RECORD_FIELDS[CrmEntity.LEAD]),
        (
            contacts.ContactFilter,
            contacts.ContactOrderField,
            fields.RECORD_FIELDS[CrmEntity.CONTACT],
        ),
        (
            companies.CompanyFilter,
            companies.CompanyOrderField,
            fields.RECORD_FIELDS[CrmEntity.COMPANY],
        ),
        (deals.DealFilter, deals.DealOrderField, fields.RECORD_FIELDS[CrmEntity.DEAL]),
        (activities.ActivityFilter, activities.ActivityOrderField, fields.ACTIVITY_FIELDS),
    ]
    for filter_input, order_enum, declared in entities:
        hints = typing.get_type_hints(filter_input, localns=vars(schema_modules(filter_input)))
        for item in dataclasses.fields(filter_input):
            # Operators, and the custom fields' conditions (keyed by code at run time).
            if item.name in {"and_", "or_", "not_", "search", "custom"}:
                continue
            spec = declared.by_name[to_camel_case(item.name)]
            (kind,) = [k for k in typing.get_args(hints[item.name]) if k is not type(None)]
            assert input_kinds[kind] == spec.kind.value, (filter_input, item.name)
        for member in order_enum:
            assert declared.by_name[member.value].orderable, (order_enum, member)


def schema_modules(cls: type) -> object:
    import sys

    return sys.modules[cls.__module__]
