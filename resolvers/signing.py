"""Signed links: a few values, their expiry and a purpose, in a URL-safe token
authenticated by an HMAC-SHA256 with the app's secret (export links, file downloads).

The token is ``base64url(JSON) "." base64url(MAC)``: readable (it holds nothing secret),
and any change to it, its use after its expiry (``"x"``, seconds since the epoch), or its
use for another purpose than the one it was signed for, is refused. Rights are never in it:
whoever serves a link judges them again when it is opened.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any

import orjson


class BadLink(Exception):
    """A link that was not issued by us, was altered, or has expired."""


def sign_link(purpose: str, data: dict[str, Any], expires: datetime, secret: bytes) -> str:
    body = orjson.dumps({**data, "x": int(expires.timestamp())})
    return f"{_b64(body)}.{_b64(_mac(purpose, body, secret))}"


def verify_link(purpose: str, token: str, secret: bytes, now: datetime) -> dict[str, Any]:
    """The values of a ``purpose`` link we signed, still valid at ``now`` (its expiry as a
    datetime under ``"x"``); BadLink otherwise."""
    try:
        body_text, mac_text = token.split(".")
        body, mac = _unb64(body_text), _unb64(mac_text)
    except ValueError as error:
        raise BadLink(f"This {purpose} link is malformed") from error
    if not hmac.compare_digest(mac, _mac(purpose, body, secret)):
        raise BadLink(f"This {purpose} link is not valid: it was altered or not issued here")
    data = orjson.loads(body)
    if not isinstance(data, dict) or not isinstance(data.get("x"), int):
        raise BadLink(f"This {purpose} link is malformed")
    expires = datetime.fromtimestamp(data["x"], UTC)
    if expires <= now:
        raise BadLink(f"This {purpose} link has expired: ask for a new one")
    data["x"] = expires
    return data


def _mac(purpose: str, body: bytes, secret: bytes) -> bytes:
    # The purpose keys the MAC: a token signed for one kind of link opens no other.
    return hmac.new(secret, f"crmhub-{purpose}\x00".encode() + body, hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
