"""From GraphQL's "argument not given" (UNSET) to the resolvers' MISSING."""

from __future__ import annotations

from typing import TypeVar

import strawberry

from resolvers.errors import BadInput
from resolvers.patch import MISSING, Missing
from schema.relay import decode_id

T = TypeVar("T")

# The patch argument of every update mutation.
CHANGES = strawberry.argument(description="What to change; fields left out stay as they are.")


def required(value: T | None, field: str) -> T | Missing:
    """A patch field that may be left out but not set to null."""
    if value is strawberry.UNSET:
        return MISSING
    if value is None:
        raise BadInput(f"'{field}' cannot be null", field=field)
    return value


def given(value: T | None, argument: str) -> T | None:
    """A nullable argument that must still be given: null means something (clear the rule),
    so leaving it out by mistake must not do the same."""
    if value is strawberry.UNSET:
        raise BadInput(f"'{argument}' is required; give null to clear", field=argument)
    return value


def id_or_null(value: strawberry.ID | None, type_name: str, field: str) -> int | Missing | None:
    """A patch's optional reference: left out, cleared with null, or set to an ID."""
    if value is strawberry.UNSET:
        return MISSING
    return None if value is None else decode_id(value, type_name, field)


def nullable(value: T | None) -> T | Missing | None:
    """A patch field that may be left out, cleared with null, or set."""
    return MISSING if value is strawberry.UNSET else value


def ids_or_missing(
    values: list[strawberry.ID] | None, type_name: str, field: str
) -> list[int] | Missing:
    """A patch's list of references: left out, or replaced (null or [] clears it)."""
    if values is strawberry.UNSET:
        return MISSING
    return [decode_id(value, type_name, field) for value in values or []]
