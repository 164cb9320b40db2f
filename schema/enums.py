"""GraphQL enums with a description for the type and for each value."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TypeVar

import strawberry

EnumT = TypeVar("EnumT", bound=enum.Enum)


def described_enum(
    enum_class: type[EnumT],
    description: str,
    values: Mapping[EnumT, str],
    *,
    name: str | None = None,
) -> type[EnumT]:
    """Registers ``enum_class`` as a GraphQL enum. The domain's enums (resolvers/, models/)
    serve as GraphQL enums as they are, so one list of values exists; their descriptions are
    written here, in the schema layer, and each value must have one."""
    undescribed = [member.name for member in enum_class if member not in values]
    if undescribed:
        raise ValueError(f"{enum_class.__name__}: no description for {', '.join(undescribed)}")
    strawberry.enum(enum_class, name=name, description=description)
    definition = enum_class.__strawberry_definition__  # type: ignore[attr-defined]
    for value in definition.values:
        value.description = values[enum_class[value.name]]
    return enum_class
