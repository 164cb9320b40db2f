"""Webhook signatures, Stripe style: ``Crmhub-Signature: t=<unix time>,v1=<hex HMAC>``.

The HMAC-SHA256, keyed by the webhook's secret, covers ``f"{t}.{body}"``: a receiver that
checks it and that ``t`` is recent knows the body came from the hub and is not a replay of an
old request. The timestamp is that of each attempt, so a retry is signed afresh.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"
SIGNATURE_HEADER = "Crmhub-Signature"
EVENT_ID_HEADER = "Crmhub-Event-Id"
DELIVERY_ID_HEADER = "Crmhub-Delivery-Id"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The header's value for ``body`` sent at ``timestamp``."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
