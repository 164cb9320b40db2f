"""E-mail wiring: the settings read into a ``MailConfig``, the outbox worker every process
runs (when an SMTP host is set), and the public unsubscribe page.

The unsubscribe link of a mass mail, ``{base}/unsubscribe/{token}``:
- GET shows a page with a button; it does not unsubscribe, since mail scanners and link
  previews open links nobody clicked.
- POST (the button, or a mail client's RFC 8058 one-click POST, answering the message's
  ``List-Unsubscribe`` header) records it; again is harmless. Unknown tokens answer 404.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

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


class MailWorker:
    """Queues due digests and sends due messages, every ``poll_seconds``, until stopped."""

    def __init__(
        self, session_factory: SessionFactory, config: MailConfig, poll_seconds: float
    ) -> None:
        self.session_factory = session_factory
        self.config = config
        self.poll_seconds = poll_seconds
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def start(self) -> None:
        # Without an SMTP host nothing would be sent: no worker, messages wait in the outbox.
        if self.config.smtp is not None and self._task is None:
            self._stopping = asyncio.Event()
            self._task = asyncio.create_task(self._run(), name="mail-worker")

    async def stop(self) -> None:
        if self._task is None:
            return
        # The flag as well as the cancellation: a cancellation that lands while a database
        # session closes may be absorbed there, and the loop must end all the same.
        self._stopping.set()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await queue_digests(self.session_factory, self.config)
                done = await send_due(self.session_factory, self.config)
                if done.sent or done.failed:
                    log.info("mail: %d sent, %d failed for good", done.sent, done.failed)
            except Exception:
                # The database or the SMTP server may be away for a while: try next round.
                log.exception("mail worker round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.poll_seconds)


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
