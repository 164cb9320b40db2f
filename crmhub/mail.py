"""E-mail wiring: the settings read into a ``MailConfig``, the outbox worker every process
runs (when an SMTP host is set), and the public unsubscribe page.

The unsubscribe link of a mass mail, ``{base}/unsubscribe/{token}``:
- GET shows a page with a button; it does not unsubscribe, since mail scanners and link
  previews open links nobody clicked.
- POST (the button, or a mail client's RFC 8058 one-click POST, answering the message's
  ``List-Unsubscribe`` header) records it; again is harmless. Unknown tokens answer 404.
"""

from __future__ import annotations

import html
import logging
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from crmhub.periodic import Periodic
from crmhub.settings import Settings
from models import SessionFactory
from resolvers.mail.config import MailConfig, SmtpConfig
from resolvers.mail.notices import queue_digests
from resolvers.mail.outbox import send_due
from resolvers.mail.unsubscribes import address_of, unsubscribe

log = logging.getLogger(__name__)


def mail_config(settings: Settings) -> MailConfig:
    smtp = (
        SmtpConfig(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            security=settings.smtp_security,
            timeout_seconds=settings.smtp_timeout_seconds,
            sender=settings.mail_from,
        )
        if settings.smtp_host
        else None
    )
    return MailConfig(
        smtp=smtp,
        public_base_url=settings.public_base_url,
        max_attempts=settings.mail_max_attempts,
        retry_base=timedelta(seconds=settings.mail_retry_base_seconds),
        digest_interval=timedelta(seconds=settings.mail_digest_interval_seconds),
    )


def mail_worker(
    session_factory: SessionFactory, config: MailConfig, poll_seconds: float
) -> Periodic:
    """Queues due digests and sends due messages, every ``poll_seconds``."""

    async def send() -> None:
        await queue_digests(session_factory, config)
        done = await send_due(session_factory, config)
        if done.sent or done.failed:
            log.info("mail: %d sent, %d failed for good", done.sent, done.failed)

    return Periodic("mail-worker", send, poll_seconds)


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><main><h1>{title}</h1>{content}</main></body></html>"""


def _page(title: str, content: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(title=title, content=content), status_code=status)


def unsubscribe_routes(session_factory: SessionFactory) -> list[Route]:
    async def endpoint(request: Request) -> HTMLResponse:
        token = request.path_params["token"]
        if request.method == "GET":
            address = await address_of(session_factory, token)
            if address is None:
                return _page("Unknown link", "<p>This unsubscribe link is not known.</p>", 404)
            form = (
                f"<p>Stop mass e-mail to <b>{html.escape(address)}</b>?</p>"
                '<form method="post"><button type="submit">Unsubscribe</button></form>'
            )
            return _page("Unsubscribe", form)
        address = await unsubscribe(session_factory, token)
        if address is None:
            return _page("Unknown link", "<p>This unsubscribe link is not known.</p>", 404)
        done = f"<p><b>{html.escape(address)}</b> gets no more mass e-mail from us.</p>"
        return _page("Unsubscribed", done)

    return [Route("/unsubscribe/{token}", endpoint, methods=["GET", "POST"])]
