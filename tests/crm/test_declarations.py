"""The entity declarations are the one list of each CRM record's fields: they must agree
with the tables, and every part that reads them gets what it expects."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from models.crm import CrmEntity
from models.crm.entities import DECLARATIONS, EntityDeclaration, FieldKind


@pytest.mark.parametrize("declaration", DECLARATIONS.values(), ids=lambda d: d.entity.value)
def test_every_declared_column_exists_and_orderable_ones_are_not_null(
    declaration: EntityDeclaration,
) -> None:
    columns = inspect(declaration.model).columns
    for field in declaration.fields:
        assert field.description.endswith("."), field.name
        if field.attribute is None:
            assert field.kind in (FieldKind.COMMUNICATIONS, FieldKind.LINKS), field.name
            continue
        assert field.attribute in columns, field.name
        if field.orderable:
            # Keyset pagination compares the sort values.
            assert not columns[field.attribute].nullable, field.name
    names = [field.name for field in declaration.fields]
    assert len(names) == len(set(names))
    for name in (*declaration.name_fields, *([declaration.status] if declaration.status else [])):
        assert name in names


def test_change_keys_name_the_fields_their_rules_govern() -> None:
    lead, deal = DECLARATIONS[CrmEntity.LEAD], DECLARATIONS[CrmEntity.DEAL]
    assert lead.rule_of_key("statusId") == {"status"}
    assert lead.rule_of_key("contactId") == {"contact"}
    assert deal.rule_of_key("contactId") == {"contacts"}
    assert deal.rule_of_key("contactIds") == {"contacts"}
    assert deal.rule_of_key("outcome") == {"stage"}
    assert DECLARATIONS[CrmEntity.CONTACT].rule_of_key("name") == {"firstName", "lastName"}
    assert deal.rule_of_key("amount") == {"amount"}


def test_a_status_reveals_what_only_its_value_explains() -> None:
    lead = DECLARATIONS[CrmEntity.LEAD]
    assert lead.maskable_names() - lead.ruled_names() == {
        "convertedAt",
        "contact",
        "company",
        "deal",
    }
