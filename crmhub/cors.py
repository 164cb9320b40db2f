"""CORS for browser pages served from other origins, off unless origins are configured.

A preflight (``OPTIONS`` with ``Access-Control-Request-Method``) from an allowed origin is
answered by the middleware itself; the GraphQL view lets websockets from the same origins
connect (Strawberry's ``allowed_origins``).
"""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from crmhub.request_log import REQUEST_ID_HEADER
from crmhub.settings import Settings

ALLOWED_HEADERS = ["authorization", "content-type", "accept", REQUEST_ID_HEADER.decode()]


def cors_middleware(settings: Settings) -> list[Middleware]:
    """The app's CORS middleware: none when no origin is allowed."""
    if not settings.cors_allow_origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=settings.cors_allow_origins,
            allow_methods=["GET", "POST"],
            allow_headers=ALLOWED_HEADERS,
            allow_credentials=settings.cors_allow_credentials,
            expose_headers=[REQUEST_ID_HEADER.decode()],
            max_age=settings.cors_max_age_seconds,
        )
    ]
