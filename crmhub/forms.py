"""The public endpoint of web forms: ``POST /forms/{key}``, JSON or form-encoded, no login.

Answers: 201 ``{"ok": true}`` (a bot's submission too, so that it learns nothing), or an
error ``{"error": {"code", "message", "field"}}`` with 400 (bad input), 404 (no active form
at that key), 413 (body past ``form_max_bytes``), 415 (another content type), 429 (the
address sent too many) or 403 (the form's owner may no longer create leads). Any origin may
post: the form's key is what admits a submission, not a cookie.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, request_response

from crmhub.http_limits import BodyLimit
from crmhub.settings import Settings
from resolvers import lead_forms
from resolvers.context import Services
from resolvers.errors import DomainError

STATUS_OF = {
    "BAD_USER_INPUT": 400,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "RATE_LIMITED": 429,
    "SERVICE_UNAVAILABLE": 503,
}
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "600",
}
JSON_TYPE, FORM_TYPE = "application/json", "application/x-www-form-urlencoded"


class Unreadable(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def form_routes(services: Services, settings: Settings) -> list[Route]:
    limits = lead_forms.FormLimits(
        submissions_per_address=settings.form_submissions_per_address,
        window=timedelta(seconds=settings.form_submission_window_seconds),
    )

    async def submit(request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=204, headers=CORS_HEADERS)
        address = request.client.host if request.client else "unknown"
        try:
            values = await _values(request)
            await lead_forms.submit(services, request.path_params["key"], values, address, limits)
        except Unreadable as error:
            return _error(error.status, "BAD_USER_INPUT", str(error), None)
        except DomainError as error:
            return _error(STATUS_OF.get(error.code, 400), error.code, str(error), error.field)
        return JSONResponse({"ok": True}, status_code=201, headers=CORS_HEADERS)

    endpoint = BodyLimit(
        request_response(submit),
        max_bytes=settings.form_max_bytes,
        timeout=settings.body_timeout_seconds,
    )
    return [Route("/forms/{key}", endpoint, methods=["POST", "OPTIONS"])]


async def _values(request: Request) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if content_type == JSON_TYPE:
        try:
            values = json.loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            raise Unreadable(400, "The body is not JSON") from error
        if not isinstance(values, dict):
            raise Unreadable(400, "The body must be a JSON object of the form's fields")
        return values
    if content_type == FORM_TYPE:
        try:
            pairs = parse_qsl(body.decode(), keep_blank_values=True, max_num_fields=200)
        except (ValueError, UnicodeDecodeError) as error:
            raise Unreadable(400, "The body is not a form submission") from error
        return dict(pairs)
    raise Unreadable(415, f"Send {JSON_TYPE} or {FORM_TYPE}")


def _error(status: int, code: str, message: str, field: str | None) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, "field": field}},
        status_code=status,
        headers=CORS_HEADERS,
    )
