"""How the hub sends mail: read from the settings once per process (crmhub/app.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    username: str = ""
    password: str = ""
    security: Literal["starttls", "tls", "none"] = "starttls"
    timeout_seconds: float = 30.0
    sender: str = "crmhub@localhost"


@dataclass(frozen=True)
class MailConfig:
    # None: mail is off; messages wait in the outbox.
    smtp: SmtpConfig | None = None
    public_base_url: str = "http://127.0.0.1:8000"
    max_attempts: int = 5
    retry_base: timedelta = timedelta(seconds=60)
    digest_interval: timedelta = timedelta(days=1)

    def unsubscribe_url(self, token: str) -> str:
        return f"{self.public_base_url.rstrip('/')}/unsubscribe/{token}"
