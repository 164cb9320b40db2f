"""How a signed download link (an export, an attachment) that cannot be opened is answered:
a JSON body ``{"error": {"code", "message"}}`` with its status, never a stack trace.

An altered, expired or ended link is 403 FORBIDDEN, as is one whose user has since lost the
right; a refusal of the domain keeps its code; an unreachable database is 503.
"""

from __future__ import annotations

import logging

from starlette.responses import JSONResponse

from resolvers.errors import DATABASE_UNREACHABLE, DomainError
from resolvers.signing import BadLink

# What a link can fail with before its first byte is sent.
LINK_FAILURES: tuple[type[BaseException], ...] = (BadLink, DomainError, *DATABASE_UNREACHABLE)

STATUS_OF = {"BAD_USER_INPUT": 400, "FORBIDDEN": 403, "NOT_FOUND": 404}


def link_refusal(error: BaseException, log: logging.Logger) -> JSONResponse:
    """The answer to one of ``LINK_FAILURES``."""
    if isinstance(error, BadLink):
        return _error(403, "FORBIDDEN", str(error))
    if isinstance(error, DomainError):
        return _error(STATUS_OF.get(error.code, 400), error.code, str(error))
    log.warning("link refused, database unreachable: %r", error)
    return _error(503, "SERVICE_UNAVAILABLE", "The database cannot be reached: retry")


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message}},
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )
