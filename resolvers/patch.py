"""Partial updates: a field left out of a patch is MISSING, which differs from null."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Final, TypeVar

T = TypeVar("T")


class _Missing(enum.Enum):
    MISSING = enum.auto()

    def __bool__(self) -> bool:
        return False


Missing = _Missing
MISSING: Final = _Missing.MISSING


def given(value: T | Missing) -> bool:
    return value is not MISSING


def given_only(values: Mapping[str, object]) -> dict[str, object]:
    """The values a patch gives: those not MISSING."""
    return {key: value for key, value in values.items() if value is not MISSING}
