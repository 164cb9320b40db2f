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
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from crmhub.link_refusals import LINK_FAILURES, link_refusal
from models.crm import CrmEntity
from resolvers.context import Services
from resolvers.crm.export_columns import Row
from resolvers.crm.export_formats import EXTENSIONS, MEDIA_TYPES, WRITERS
from resolvers.crm.exports import OpenExport, export_chunks, open_export

log = logging.getLogger(__name__)

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
        except LINK_FAILURES as error:
            return link_refusal(error, log)
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
