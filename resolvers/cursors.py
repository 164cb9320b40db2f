"""Pagination cursors: the keyset values of a row, as opaque base64 of a JSON list.

A cursor comes back from the client, so it is input like any other: every value is checked
against the type of its keyset column before it reaches SQL, and anything the column could
not hold (a naive or out-of-range time, a NaN, a NUL, ``true`` for an id, a wrong count of
values) is the client's mistake, answered BAD_USER_INPUT naming the argument.
"""

from __future__ import annotations

import base64
import binascii
import enum
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, cast

import orjson
from sqlalchemy import ColumnElement, Numeric, TypeDecorator

from resolvers.errors import BadInput
from resolvers.validation import has_bad_characters

if TYPE_CHECKING:
    from resolvers.pagination import SortKey

# Within a BIGINT: beyond it the driver would fail instead of finding nothing.
MIN_INT, MAX_INT = -(2**63), 2**63 - 1
# Numeric columns without a declared precision: digits well past any amount we store.
MAX_DECIMAL_DIGITS = 40
# Keyset text columns are names and titles; a longer value cannot be of a row of ours.
MAX_TEXT = 10_000


class ForgedCursor(ValueError):
    """A cursor value its keyset column could not hold."""


def encode_cursor(values: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(values), default=_jsonable)).decode()


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value).__name__)


def decode_cursor(cursor: str, keys: Sequence[SortKey], field: str) -> list[Any]:
    """The keyset values of ``cursor``, each of its column's type; BadInput naming
    ``field`` (``after`` or ``before``) for anything this list did not hand out."""
    try:
        raw = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError) as error:  # orjson.JSONDecodeError is a ValueError
        raise BadInput("Not a cursor of this list", field=field) from error
    if not isinstance(raw, list) or len(raw) != len(keys):
        raise BadInput("Not a cursor of this list (another order?)", field=field)
    try:
        return [_column_value(value, key) for value, key in zip(raw, keys, strict=True)]
    except ForgedCursor as error:
        raise BadInput(f"Not a cursor of this list ({error})", field=field) from error


def _column_value(value: Any, key: SortKey) -> Any:
    column_type = cast(ColumnElement[Any], key.expression).type
    python_type = column_type.python_type
    if python_type is Decimal:
        return _decimal(value, column_type)
    if issubclass(python_type, enum.Enum):
        return _enum(value, python_type)
    decode = _DECODERS.get(python_type)
    if decode is None:
        # A list ordered by a column kind no cursor can carry: ours to fix, not the client's.
        raise TypeError(f"no cursor decoder for {python_type.__name__} keyset columns")
    return decode(value)


def _int(value: Any) -> int:
    # JSON true is a Python int too: refuse it explicitly.
    if not isinstance(value, int) or isinstance(value, bool):
        raise ForgedCursor("expected an integer")
    if not MIN_INT <= value <= MAX_INT:
        raise ForgedCursor("integer out of range")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ForgedCursor("expected text")
    if len(value) > MAX_TEXT or has_bad_characters(value):
        raise ForgedCursor("text the list cannot hold")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ForgedCursor("expected a boolean")
    return value


def _datetime(value: Any) -> datetime:
    """An aware time that stays within years 1-9999 in UTC (as the database compares it)."""
    if not isinstance(value, str):
        raise ForgedCursor("expected a time")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise ForgedCursor("expected a time") from error
    if moment.tzinfo is None:
        raise ForgedCursor("a time without a zone")
    try:
        return moment.astimezone(UTC)
    except OverflowError as error:
        raise ForgedCursor("a time out of range") from error


def _decimal(value: Any, column_type: Any) -> Decimal:
    """A finite number within its column's range (1e999999 would overflow the driver)."""
    if not isinstance(value, str):
        raise ForgedCursor("expected a decimal string")
    try:
        number = Decimal(value)
    except InvalidOperation as error:
        raise ForgedCursor("expected a decimal string") from error
    if not number.is_finite():
        raise ForgedCursor("expected a finite number")
    declared = column_type.impl_instance if isinstance(column_type, TypeDecorator) else column_type
    integer_digits = MAX_DECIMAL_DIGITS
    if isinstance(declared, Numeric) and declared.precision is not None:
        integer_digits = declared.precision - (declared.scale or 0)
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    if number.adjusted() >= integer_digits or exponent < -MAX_DECIMAL_DIGITS:
        raise ForgedCursor("a number its column cannot hold")
    return number


def _enum(value: Any, enum_type: type[enum.Enum]) -> enum.Enum:
    try:
        return enum_type(value)
    except ValueError as error:
        raise ForgedCursor(f"expected a {enum_type.__name__}") from error


def _date(value: Any) -> date:
    if not isinstance(value, str):
        raise ForgedCursor("expected a date")
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise ForgedCursor("expected a date") from error


_DECODERS: dict[type, Callable[[Any], Any]] = {
    int: _int,
    str: _text,
    bool: _bool,
    datetime: _datetime,
    date: _date,
}
