"""Checks on input shared by every aggregate; each failure names the offending field."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from auth.passwords import is_common_password
from resolvers.errors import BadInput

# Pragmatic, not RFC 5322: one @, no spaces, a dot in the domain, a sane length.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
MAX_EMAIL_LENGTH = 254
# NUL, which PostgreSQL refuses in text, and lone UTF-16 surrogates, which no encoding can
# store (a JSON body may carry "\ud800"; the driver would fail on it).
_BAD_CHARACTERS = re.compile("[\x00\ud800-\udfff]")


def has_bad_characters(value: str) -> bool:
    return _BAD_CHARACTERS.search(value) is not None


def moment(value: datetime, field: str) -> datetime:
    """``value`` in UTC; refused without a zone, or when UTC would leave years 1-9999
    (0001-01-01T00:00:00+14:00 is a year-0 time in UTC: the database cannot compare it)."""
    if value.tzinfo is None:
        raise BadInput("A time needs a zone, e.g. 2026-01-31T09:00:00Z", field=field)
    try:
        return value.astimezone(UTC)
    except OverflowError as error:
        raise BadInput(f"'{field}' is out of range", field=field) from error


def text(value: str, field: str, *, max_length: int, required: bool = True) -> str:
    """The value stripped; refused when empty (if required) or longer than ``max_length``."""
    cleaned = value.strip()
    if "\x00" in cleaned:
        # PostgreSQL cannot store NUL in text; refuse it alike on every database.
        raise BadInput(f"'{field}' must not contain NUL characters", field=field)
    if required and not cleaned:
        raise BadInput(f"'{field}' must not be empty", field=field)
    if len(cleaned) > max_length:
        raise BadInput(f"'{field}' is longer than {max_length} characters", field=field)
    return cleaned


def email(value: str, field: str = "email") -> str:
    cleaned = value.strip().lower()
    if len(cleaned) > MAX_EMAIL_LENGTH or not _EMAIL.match(cleaned):
        raise BadInput(f"'{value}' is not a valid e-mail address", field=field)
    return cleaned


MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024


def new_password(value: str, field: str = "password") -> str:
    """A password a user may choose: not blank, long enough once its surrounding spaces are
    set aside, and not one of the most common passwords. Kept as given (spaces included)."""
    if not value.strip():
        raise BadInput("A password must not be blank", field=field)
    if len(value.strip()) < MIN_PASSWORD_LENGTH or len(value) > MAX_PASSWORD_LENGTH:
        raise BadInput(
            f"A password needs {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters",
            field=field,
        )
    if is_common_password(value):
        raise BadInput("This password is one of the most common ones: choose another", field=field)
    return value
