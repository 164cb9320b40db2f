"""The download end of exports: ``GET /exports/{token}`` streams the file a signed link
names (``exportLeads`` / ``exportContacts`` / ``exportCompanies`` / ``exportDeals`` give
them out). The link is the credential: no Authorization header is needed, so that a browser
can open it; it acts as the user who asked for it, with their rights as they stand now.

An altered, expired or ended link answers 403 ``{"error": {"code": "FORBIDDEN", "message"}}``,
as does a link whose requester has since lost the EXPORT right; never a stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from models.crm import CrmEntity
from resolvers.context import Services
from resolvers.crm.export_columns import Row
from resolvers.crm.export_formats import EXTENSIONS, MEDIA_TYPES, WRITERS
from resolvers.crm.export_links import BadLink
from resolvers.crm.exports import OpenExport, export_chunks, open_export
from resolvers.errors import DATABASE_UNREACHABLE, DomainError

log = logging.getLogger(__name__)

STATUS_OF = {"BAD_USER_INPUT": 400, "FORBIDDEN": 403, "NOT_FOUND": 404}
PLURALS = {
    CrmEntity.LEAD: "leads",
    CrmEntity.CONTACT: "contacts",
    CrmEntity.COMPANY: "companies",
    CrmEntity.DEAL: "deals",
}


def export_routes(services: Services) -> list[Route]:
    async def download(request: Request) -> Response:
        try:
            export = await open_export(services, request.path_params["token"])
        except BadLink as error:
            return _error(403, "FORBIDDEN", str(error))
        except DomainError as error:
            return _error(STATUS_OF.get(error.code, 400), error.code, str(error))
        except DATABASE_UNREACHABLE as error:
            log.warning("export refused, database unreachable: %r", error)
            return _error(503, "SERVICE_UNAVAILABLE", "The database cannot be reached: retry")
        kind = export.params.format.value
        names = [column.name for column in export.header]
        body = WRITERS[kind](names, _logged(export))
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        filename = f"{PLURALS[export.params.entity]}-{stamp}.{EXTENSIONS[kind]}"
        return StreamingResponse(
            body,
            media_type=MEDIA_TYPES[kind],
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    return [Route("/exports/{token}", download, methods=["GET"])]


async def _logged(export: OpenExport) -> AsyncIterator[list[Row]]:
    # Once the first bytes are sent the status cannot change: a failure ends the file early
    # and is logged (without the rows).
    try:
        async for rows in export_chunks(export):
            yield rows
    except Exception:
        log.exception("export of %s failed mid-stream", export.params.entity.value)
        raise


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message}},
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )
