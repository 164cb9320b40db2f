"""Signed export links: an export's parameters, its requester and its expiry, signed as
``resolvers/signing.py`` signs every link (purpose "export"). Rights are not in it: they are
judged again when the link is opened.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from models.crm import CrmEntity
from resolvers.crm.export_config import ExportFormat
from resolvers.crm.filtering import Condition, Filter
from resolvers.signing import BadLink, sign_link, verify_link

__all__ = ["BadLink", "ExportParams", "sign", "verify"]

PURPOSE = "export"


@dataclass(frozen=True)
class ExportParams:
    """What a link exports, for whom, until when."""

    entity: CrmEntity
    format: ExportFormat
    # Column names, in order; empty: every column of the entity.
    columns: tuple[str, ...]
    filter: Filter
    order: tuple[tuple[str, bool], ...]
    user_id: int
    token_id: int
    expires: datetime = field(default_factory=lambda: datetime.now(UTC))


def sign(params: ExportParams, secret: bytes) -> str:
    data = {
        "e": params.entity.value,
        "f": params.format.value,
        "c": list(params.columns),
        "q": _filter_json(params.filter),
        "o": [[name, descending] for name, descending in params.order],
        "u": params.user_id,
        "t": params.token_id,
    }
    return sign_link(PURPOSE, data, params.expires, secret)


def verify(token: str, secret: bytes, now: datetime) -> ExportParams:
    """The parameters of a link we signed, still valid at ``now``; BadLink otherwise."""
    data = verify_link(PURPOSE, token, secret, now)
    return ExportParams(
        entity=CrmEntity(data["e"]),
        format=ExportFormat(data["f"]),
        columns=tuple(data["c"]),
        filter=_filter_of(data["q"]),
        order=tuple((name, bool(descending)) for name, descending in data["o"]),
        user_id=int(data["u"]),
        token_id=int(data["t"]),
        expires=data["x"],
    )


# Filters as JSON: operands keep their Python type through a tag.

_CONDITION_KEYS = ("eq", "in_", "gt", "gte", "lt", "lte", "contains", "starts_with", "is_null")


def _filter_json(filter: Filter) -> dict[str, Any]:
    return {
        "c": {
            name: {
                key: _value_json(getattr(condition, key))
                for key in _CONDITION_KEYS
                if getattr(condition, key) is not None
            }
            for name, condition in filter.conditions.items()
        },
        "s": filter.search,
        "a": [_filter_json(sub) for sub in filter.all_of],
        "o": [_filter_json(sub) for sub in filter.any_of],
        "n": None if filter.negated is None else _filter_json(filter.negated),
    }


def _filter_of(data: Mapping[str, Any]) -> Filter:
    return Filter(
        conditions={
            name: Condition(**{key: _value_of(value) for key, value in condition.items()})
            for name, condition in data["c"].items()
        },
        search=data["s"],
        all_of=[_filter_of(sub) for sub in data["a"]],
        any_of=[_filter_of(sub) for sub in data["o"]],
        negated=None if data["n"] is None else _filter_of(data["n"]),
    )


def _value_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"d": str(value)}
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"D": value.isoformat()}
    if isinstance(value, list | tuple):
        return {"l": [_value_json(item) for item in value]}
    return value


def _value_of(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    [(tag, value)] = data.items()
    if tag == "d":
        return Decimal(value)
    if tag == "t":
        return datetime.fromisoformat(value)
    if tag == "D":
        return date.fromisoformat(value)
    items: Sequence[Any] = value
    return [_value_of(item) for item in items]
