"""The download end of attachments: ``GET /files/{token}`` streams the file a signed link
names (an ``Attachment``'s ``downloadUrl``). The link is the credential, so that a browser
can open it; it acts as the user it was given to, with their rights as they stand now.

The file is always offered as a download (``Content-Disposition: attachment``, its name
made safe), never sniffed, never cached. An altered, expired or ended link, or one whose
user may no longer read what the file is attached to, answers 403
``{"error": {"code": "FORBIDDEN", "message"}}``; a file since deleted 404.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from crmhub.link_refusals import LINK_FAILURES, link_refusal
from resolvers.context import Services
from resolvers.files.attachments import open_download

log = logging.getLogger(__name__)


def file_routes(services: Services) -> list[Route]:
    async def download(request: Request) -> Response:
        try:
            row, chunks = await open_download(services, request.path_params["token"])
        except LINK_FAILURES as error:
            return link_refusal(error, log)
        return StreamingResponse(
            chunks,
            media_type=row.content_type,
            headers={
                "Content-Disposition": content_disposition(row.file_name),
                "Content-Length": str(row.size),
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
                # Opened in a tab anyway, an HTML or SVG file runs no script of ours.
                "Content-Security-Policy": "sandbox; default-src 'none'",
            },
        )

    return [Route("/files/{token}", download, methods=["GET"])]


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback name (RFC 6266) and the exact one (RFC 5987)."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\%;' else "_" for c in name
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
