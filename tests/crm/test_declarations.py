"""The entity declarations are the one list of each CRM record's fields: they must agree
with the tables, and every part that reads them gets what it expects."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

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


# Places that name three or more fields of one entity on purpose, each for a rule of its
# own (not a list of the entity's fields): the lead's title default from its person and
# company (its command and its web forms), the deal fields whose rules make a report
# leave the summary tables for the deals, and the contact fields a vCard's fixed
# properties are made of.
_RULES_NAMING_FIELDS = {
    ("resolvers/crm/leads.py", CrmEntity.LEAD),
    ("resolvers/lead_forms.py", CrmEntity.LEAD),
    ("resolvers/reports/tallies.py", CrmEntity.DEAL),
    ("resolvers/crm/exports.py", CrmEntity.CONTACT),
}
# Demo data and the bench's data set write rows, column by column.
_DATA_MODULES = ("crmhub/demo_", "bench/")


def _field_lists(path: Path) -> Iterator[tuple[int, CrmEntity, set[str]]]:
    """Literal collections in ``path`` naming three or more fields of one entity (by API
    name or column); an entity's own name does not count (a lead's ``deal`` is one)."""
    entity_names = {entity.value.lower() for entity in CrmEntity}
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Dict | ast.Set | ast.Tuple | ast.List):
            continue
        items = node.keys if isinstance(node, ast.Dict) else node.elts
        strings = {
            item.value
            for item in items
            if isinstance(item, ast.Constant) and isinstance(item.value, str)
        }
        for declaration in DECLARATIONS.values():
            names = {field.name for field in declaration.fields} | {
                field.attribute for field in declaration.fields if field.attribute
            }
            named = (strings & names) - _EVERY_RECORDS_FIELDS - entity_names
            if len(named) >= 3:
                yield node.lineno, declaration.entity, named


_EVERY_RECORDS_FIELDS = {"id", "title", "opened", "createdAt", "updatedAt"}


def test_no_module_keeps_its_own_list_of_an_entitys_fields() -> None:
    """What the declarations say is read from them: a second hand-kept list of an entity's
    fields drifts from the first (two access leaks came from such lists)."""
    root = Path(__file__).resolve().parents[2]
    found = []
    for folder in ("auth", "resolvers", "schema", "subscriptions", "crmhub", "bench"):
        for path in sorted((root / folder).rglob("*.py")):
            module = path.relative_to(root).as_posix()
            if module.startswith(_DATA_MODULES):
                continue
            for line, entity, named in _field_lists(path):
                if (module, entity) not in _RULES_NAMING_FIELDS:
                    found.append(f"{module}:{line} lists {entity.value} fields {sorted(named)}")
    assert found == []
