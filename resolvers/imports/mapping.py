"""Which field each column of an import fills: read from the entity's declaration and its
custom fields, as the export names its columns (so that an exported file maps itself).

A header maps to a field by its API name (``firstName``), the name its input gives it
(``assignedToId``, ``companyIds``), the export's column name (``phones``, ``emails``), or a
custom field's code or name, compared without case, spaces, ``_`` or ``-``. An explicit
mapping wins over the header; a column it maps to nothing is ignored. Columns that name no
field are reported, not fatal; columns naming a field no import writes (``id``,
``createdAt``) are reported as such.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from models.crm import CommunicationKind, CrmEntity, CustomField
from models.crm.entities import Field, FieldKind, declaration_of
from resolvers.crm.export_columns import COMMUNICATION_COLUMNS, columns_of
from resolvers.errors import BadInput

MAPPED = "MAPPED"
IGNORED = "IGNORED"
UNKNOWN = "UNKNOWN"
NOT_WRITABLE = "NOT_WRITABLE"
REPEATED = "REPEATED"
_SEPARATORS = re.compile(r"[\s_\-]+")


def folded(name: str) -> str:
    """A name as headers are compared: no case, spaces, ``_`` or ``-``."""
    return _SEPARATORS.sub("", name).casefold()


@dataclass(frozen=True)
class Target:
    """What a column may fill: a declared field, a kind of communication or a custom field."""

    name: str
    writable: bool
    field: Field | None = None
    communication: CommunicationKind | None = None
    custom: CustomField | None = None


@dataclass(frozen=True)
class ColumnUse:
    """A column of the file and what it fills (``target`` None: nothing)."""

    index: int
    header: str
    status: str
    target: Target | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "column": self.header,
            "field": None if self.target is None else self.target.name,
            "status": self.status,
        }


def targets_of(entity: CrmEntity, custom: Sequence[CustomField]) -> dict[str, Target]:
    """Every name a column may give, folded, with the target it names."""
    found: dict[str, Target] = {}
    for column in columns_of(entity, custom).values():
        if column.communication is not None:
            target = Target(column.name, True, communication=column.communication)
        elif column.custom is not None:
            target = Target(column.name, True, custom=column.custom)
        else:
            assert column.field is not None
            target = Target(column.name, _writable(column.field), field=column.field)
        found.setdefault(folded(column.name), target)
    for field in declaration_of(entity).fields:
        if field.creatable and field.kind is not FieldKind.COMMUNICATIONS:
            found.setdefault(folded(field.name), Target(field.name, True, field=field))
    aliases: dict[str, Target] = {}
    for target in found.values():
        names = [target.name]
        if target.field is not None:
            names += [target.field.input_key, target.field.change_key]
        if target.custom is not None:
            names.append(target.custom.name)
        for name in names:
            aliases.setdefault(folded(name), target)
    return {**aliases, **found}


def _writable(field: Field) -> bool:
    return field.creatable and field.kind is not FieldKind.COMMUNICATIONS


def check_mapping(
    targets: dict[str, Target], mapping: Sequence[tuple[str, str | None]]
) -> list[tuple[str, str | None]]:
    """The explicit mapping, each field known and writable; BAD_USER_INPUT naming the item."""
    seen: set[str] = set()
    for index, (column, field) in enumerate(mapping):
        if folded(column) in seen:
            raise BadInput(f"Column '{column}' is mapped twice", field=f"mapping.{index}.column")
        seen.add(folded(column))
        if field is None:
            continue
        target = targets.get(folded(field))
        if target is None:
            raise BadInput(f"No field '{field}' to import into", field=f"mapping.{index}.field")
        if not target.writable:
            raise BadInput(f"'{field}' is not written by an import", field=f"mapping.{index}.field")
    return list(mapping)


def map_columns(
    header: Sequence[str],
    targets: dict[str, Target],
    mapping: Sequence[tuple[str, str | None]],
) -> list[ColumnUse]:
    """What each column of ``header`` fills: the explicit mapping first, then the header's
    own name. A field filled by an earlier column is not filled again (communications
    add up)."""
    explicit = {folded(column): field for column, field in mapping}
    uses: list[ColumnUse] = []
    taken: set[str] = set()
    for index, raw in enumerate(header):
        name = raw.strip().lstrip("\ufeff")
        if name.startswith("'"):
            name = name[1:]
        key = folded(name)
        if key in explicit:
            field = explicit[key]
            if field is None:
                uses.append(ColumnUse(index, name, IGNORED))
                continue
            target: Target | None = targets[folded(field)]
        else:
            target = targets.get(key)
        if target is None:
            uses.append(ColumnUse(index, name, UNKNOWN if key else IGNORED))
        elif not target.writable:
            uses.append(ColumnUse(index, name, NOT_WRITABLE, target))
        elif target.name in taken and target.communication is None:
            uses.append(ColumnUse(index, name, REPEATED, target))
        else:
            taken.add(target.name)
            uses.append(ColumnUse(index, name, MAPPED, target))
    return uses


COMMUNICATION_KINDS = {kind: name for name, kind in COMMUNICATION_COLUMNS.items()}
