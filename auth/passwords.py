"""Password hashing with argon2id, and the list of passwords too common to accept."""

from __future__ import annotations

from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

# Verified against when the e-mail is unknown, so that a miss costs the same time as a hit
# and response times do not tell which e-mails exist.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def is_common_password(password: str) -> bool:
    """Whether the password is on the shipped list of the most common ones (any case)."""
    return password.strip().lower() in _common_passwords()


@cache
def _common_passwords() -> frozenset[str]:
    listed = resources.files("auth").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower()
        for line in listed.splitlines()
        if line.strip() and not line.startswith("#")
    )
