"""Security headers for the HTML pages the server sends (GraphiQL): no framing, no sniffing,
no referrer, and a content security policy that lets the page run only its own inline
scripts (by hash) and the pinned CDN files it names with integrity hashes."""

from __future__ import annotations

import base64
import hashlib
import re

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)

BASE_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


def inline_script_hashes(html: str) -> list[str]:
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(html)
    ]


def html_page_headers(html: str, cdn: str = "https://unpkg.com") -> dict[str, str]:
    """The headers for ``html``: its inline scripts are allowed by their hashes, scripts and
    styles from ``cdn``, requests (HTTP and websocket) to this origin only."""
    scripts = " ".join(["'self'", cdn, *inline_script_hashes(html)])
    policy = "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            # GraphiQL sets styles from script (its editor's theme and layout).
            f"style-src 'self' 'unsafe-inline' {cdn}",
            f"font-src 'self' data: {cdn}",
            "img-src 'self' data:",
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "object-src 'none'",
        ]
    )
    return {**BASE_HEADERS, "content-security-policy": policy}
