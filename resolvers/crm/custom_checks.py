"""Custom field values: checking what a client gives against the field's kind, and the
typed columns each kind is stored in."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from models.crm import CrmEntity, CustomField, CustomFieldKind
from models.crm.entities import type_name_of
from models.global_ids import global_id
from resolvers.crm.common import currency, money
from resolvers.crm.communications import normalize_phone
from resolvers.errors import BadInput
from resolvers.validation import email, has_bad_characters, moment, text

KIND = CustomFieldKind
MAX_VALUES = 50
MAX_STRING = 255
MAX_TEXT = 10_000
MAX_URL = 2000
MAX_INTEGER = 2**63 - 1
MAX_DECIMAL = Decimal("9999999999999999.99")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_PHONE = re.compile(r"^\+?[0-9 ()\-.]{3,32}$")

# The value member each kind reads, and the column it is stored in.
MEMBER: dict[CustomFieldKind, str] = {
    KIND.STRING: "string",
    KIND.TEXT: "string",
    KIND.URL: "string",
    KIND.EMAIL: "string",
    KIND.PHONE: "string",
    KIND.ENUMERATION: "string",
    KIND.INTEGER: "integer",
    KIND.USER: "user_id",
    KIND.CRM_RECORD: "record",
    KIND.DECIMAL: "decimal",
    KIND.MONEY: "decimal",
    KIND.BOOLEAN: "boolean",
    KIND.DATE: "date",
    KIND.DATETIME: "datetime",
}
COLUMN: dict[CustomFieldKind, str] = {
    KIND.STRING: "text",
    KIND.TEXT: "text",
    KIND.URL: "text",
    KIND.EMAIL: "text",
    KIND.PHONE: "text",
    KIND.ENUMERATION: "text",
    KIND.INTEGER: "integer",
    KIND.USER: "integer",
    KIND.CRM_RECORD: "integer",
    KIND.DECIMAL: "number",
    KIND.MONEY: "number",
    KIND.BOOLEAN: "flag",
    KIND.DATE: "day",
    KIND.DATETIME: "moment",
}
_CRM_TYPES = {type_name_of(entity): entity for entity in CrmEntity}
TEXTUAL = frozenset({KIND.STRING, KIND.TEXT, KIND.URL, KIND.EMAIL, KIND.PHONE, KIND.ENUMERATION})


@dataclass(frozen=True)
class RawValue:
    """One value as a client gives it: the member of the field's kind is set (a money value
    also gives its currency); ``user_id`` is a user's database key, ``record`` a CRM
    record's (GraphQL type name, database key)."""

    string: str | None = None
    integer: int | None = None
    decimal: Decimal | None = None
    boolean: bool | None = None
    date: date | None = None
    datetime: datetime | None = None
    currency: str | None = None
    user_id: int | None = None
    record: tuple[str, int] | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            item.name: _jsonable(getattr(self, item.name))
            for item in fields(self)
            if getattr(self, item.name) is not None
        }

    @classmethod
    def from_json(cls, stored: dict[str, Any]) -> RawValue:
        return cls(
            string=stored.get("string"),
            integer=stored.get("integer"),
            decimal=None if "decimal" not in stored else Decimal(stored["decimal"]),
            boolean=stored.get("boolean"),
            date=None if "date" not in stored else date.fromisoformat(stored["date"]),
            datetime=None
            if "datetime" not in stored
            else datetime.fromisoformat(stored["datetime"]),
            currency=stored.get("currency"),
            user_id=stored.get("user_id"),
            record=None if "record" not in stored else (stored["record"][0], stored["record"][1]),
        )


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, date):  # a datetime too
        return value.isoformat()
    return value


@dataclass(frozen=True)
class Stored:
    """One checked value: the typed columns of its row."""

    text: str | None = None
    integer: int | None = None
    number: Decimal | None = None
    flag: bool | None = None
    day: date | None = None
    moment: datetime | None = None
    # A phone's digits (duplicate detection).
    digits: str | None = None

    def summary(self, kind: CustomFieldKind) -> str:
        """The value as the change log and search show it."""
        if kind is KIND.MONEY:
            return f"{self.number:f} {self.text}"
        if kind is KIND.USER:
            # References show as global IDs, as the built-in ones do.
            return global_id("User", self.integer or 0)
        if kind is KIND.CRM_RECORD:
            return global_id(type_name_of(CrmEntity(self.text)), self.integer or 0)
        value = getattr(self, COLUMN[kind])
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, Decimal):
            return f"{value:f}"
        if isinstance(value, date):
            return value.isoformat()
        return str(value)


def check_values(field: CustomField, values: Sequence[RawValue], path: str) -> list[Stored]:
    """The values checked for the field: as many as it holds, each of its kind; BAD_USER_INPUT
    naming ``path`` (the field's code) otherwise."""
    if len(values) > (MAX_VALUES if field.multiple else 1):
        raise BadInput(
            f"'{field.code}' holds {'at most ' + str(MAX_VALUES) if field.multiple else 'one'}"
            " value(s)",
            field=path,
        )
    return [check_value(field, value, path) for value in values]


def check_value(field: CustomField, value: RawValue, path: str) -> Stored:
    kind = field.kind
    member = MEMBER[kind]
    given = [item.name for item in fields(value) if getattr(value, item.name) is not None]
    allowed = {member, "currency"} if kind is KIND.MONEY else {member}
    wanted = {"user_id": "userId", "record": "recordId"}.get(member, member)
    if member not in given or not set(given) <= allowed:
        raise BadInput(f"'{field.code}' ({field.name}) takes a `{wanted}` value", field=path)
    raw = getattr(value, member)
    if kind is KIND.PHONE:
        phone = _text(field, raw, path)
        return Stored(text=phone, digits=normalize_phone(phone))
    if kind in TEXTUAL:
        return Stored(text=_text(field, raw, path))
    if kind is KIND.CRM_RECORD:
        type_name, pk = raw
        entity = _CRM_TYPES.get(type_name)
        if entity is None:
            raise BadInput(
                f"'{field.code}' ({field.name}) takes a lead, contact, company or deal",
                field=path,
            )
        return Stored(text=entity.value, integer=pk)
    if kind in (KIND.INTEGER, KIND.USER):
        if kind is KIND.INTEGER and abs(raw) > MAX_INTEGER:
            raise BadInput(f"'{field.code}' is out of range", field=path)
        return Stored(integer=raw)
    if kind is KIND.DECIMAL:
        return Stored(number=_decimal(field, raw, path))
    if kind is KIND.MONEY:
        if value.currency is None:
            raise BadInput(f"'{field.code}' ({field.name}) needs a `currency`", field=path)
        return Stored(number=money(raw, path), text=currency(value.currency, path))
    if kind is KIND.BOOLEAN:
        return Stored(flag=raw)
    if kind is KIND.DATE:
        return Stored(day=raw)
    return Stored(moment=moment(raw, path))


def _text(field: CustomField, raw: str, path: str) -> str:
    kind = field.kind
    limit = MAX_TEXT if kind is KIND.TEXT else MAX_URL if kind is KIND.URL else MAX_STRING
    if has_bad_characters(raw):
        raise BadInput(f"'{field.code}' must not contain NUL characters", field=path)
    cleaned = text(raw, path, max_length=limit)
    if kind is KIND.EMAIL:
        return email(cleaned, path)
    if kind is KIND.URL and not _URL.match(cleaned):
        raise BadInput(f"'{field.code}' ({field.name}) is not an http(s) URL", field=path)
    if kind is KIND.PHONE and not _PHONE.match(cleaned):
        raise BadInput(f"'{field.code}' ({field.name}) is not a phone number", field=path)
    if kind is KIND.ENUMERATION and cleaned not in field.options:
        raise BadInput(
            f"'{field.code}' ({field.name}) takes one of: {', '.join(field.options)}", field=path
        )
    return cleaned


def _decimal(field: CustomField, raw: Decimal, path: str) -> Decimal:
    if not raw.is_finite() or abs(raw) > MAX_DECIMAL or raw != raw.quantize(Decimal("0.01")):
        raise BadInput(
            f"'{field.code}' takes a number within ±{MAX_DECIMAL}, at most 2 decimals",
            field=path,
        )
    return raw.quantize(Decimal("0.01"))
