"""The browser side of the hub: the dashboard page at ``/``, its static files under
``/static`` (the ``web/`` folder, GraphiQL's vendored assets included) and the GraphiQL page
the GraphQL view renders at ``/graphql``. Every page loads only what the hub serves: the
Content-Security-Policy allows nothing but this origin, so the pages work with no internet
and an injected script or a stray CDN reference is refused by the browser."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

# The dashboard is static (plain ES modules, no build step) and lives beside the packages,
# as DESIGN.md lays the repository out; `make install` installs the project editable.
WEB_ROOT = Path(__file__).resolve().parent.parent / "web"

_SELF_ONLY = {
    "default-src": "'self'",
    "connect-src": "'self'",  # 'self' covers ws:// and wss:// to this origin too
    "img-src": "'self' data:",
    "font-src": "'self' data:",  # GraphiQL's stylesheet inlines its fonts
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# GraphiQL (React and its editor components) writes style attributes and <style> elements
# at run time; scripts stay restricted to this origin.
_GRAPHIQL = _SELF_ONLY | {"style-src": "'self' 'unsafe-inline'"}


def security_headers(csp: dict[str, str]) -> dict[str, str]:
    return {
        "Content-Security-Policy": "; ".join(f"{name} {value}" for name, value in csp.items()),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        "Cache-Control": "no-cache",  # revalidated on every load: a new release shows at once
    }


PAGE_HEADERS = security_headers(_SELF_ONLY)
GRAPHIQL_HEADERS = security_headers(_GRAPHIQL)


async def dashboard(_request: Request) -> Response:
    return FileResponse(WEB_ROOT / "index.html", headers=PAGE_HEADERS)


def graphiql_page() -> Response:
    """GraphiQL with the vendored assets and a crmhub example query (web/graphiql.html)."""
    return HTMLResponse(
        (WEB_ROOT / "graphiql.html").read_text(encoding="utf-8"),
        headers=GRAPHIQL_HEADERS,
    )


class _StaticWithHeaders(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(PAGE_HEADERS)
        return response


def web_routes() -> list[Route | Mount]:
    return [
        Route("/", dashboard, methods=["GET", "HEAD"]),
        Mount("/static", _StaticWithHeaders(directory=WEB_ROOT), name="static"),
    ]
