"""Domain errors. Each carries the ``extensions.code`` a client sees (DESIGN.md §6)."""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import exc

from models.global_ids import global_id


class DomainError(Exception):
    code: ClassVar[str] = "BAD_USER_INPUT"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"


class Forbidden(DomainError):
    code = "FORBIDDEN"


class NotFound(DomainError):
    code = "NOT_FOUND"


def not_found(type_name: str, pk: int, field: str | None = "id") -> NotFound:
    """NOT_FOUND for the ``type_name`` (a GraphQL type name) with this key, named by the
    global ID the client sent: database keys never show in an answer."""
    return NotFound(f"No {type_name} with ID '{global_id(type_name, pk)}'", field=field)


class BadInput(DomainError):
    code = "BAD_USER_INPUT"


class Conflict(DomainError):
    code = "CONFLICT"


class RateLimited(DomainError):
    code = "RATE_LIMITED"


class ServiceUnavailable(DomainError):
    """The database (or another service the answer needs) cannot be reached: nothing was
    done, and the same request may succeed when it is back."""

    code = "SERVICE_UNAVAILABLE"


# What a lost or saturated database raises: the connection refused or dropped, the pool
# exhausted. Answered as SERVICE_UNAVAILABLE, never as a bug.
DATABASE_UNREACHABLE: tuple[type[BaseException], ...] = (
    exc.OperationalError,
    exc.InterfaceError,
    exc.TimeoutError,
    OSError,
    TimeoutError,
)
UNAVAILABLE_MESSAGE = "The service cannot reach its database; try again shortly"
