"""The webhook sender of one app process: turns new events into deliveries and sends what is
due (resolvers/webhooks/). Every process runs one; they share the work through the database.

Woken when the process's event pump has read new events, and every poll interval, for
retries that have come due and for events the bus did not announce.
"""

from __future__ import annotations

import asyncio

import httpx

from crmhub.periodic import Periodic
from crmhub.settings import Settings
from resolvers.context import Services
from resolvers.webhooks.delivery import RetryPolicy, deliver_due
from resolvers.webhooks.dispatch import dispatch_events

# Sends per wake-up before waiting again: each round may unblock the next event of a record.
MAX_ROUNDS = 20


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        base_delay_seconds=settings.webhook_retry_base_seconds,
        max_delay_seconds=settings.webhook_retry_max_seconds,
        max_attempts=settings.webhook_max_attempts,
        timeout_seconds=settings.webhook_timeout_seconds,
        disable_after_failures=settings.webhook_disable_after_failures,
    )


class WebhookWorker:
    def __init__(self, services: Services, settings: Settings) -> None:
        self.services = services
        self.retry = retry_policy(settings)
        self.enabled = settings.webhook_worker_enabled
        self._loop = Periodic(
            "webhook-worker", self.run_once, settings.webhook_poll_interval_seconds
        )
        # One pass at a time per process (a test's run_once and the loop alike).
        self._running = asyncio.Lock()
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        """Made on first use, closed by ``stop``. Redirects are not followed: the URL an
        admin registered is where events go; proxies from the environment are not used."""
        if self._client is None:
            self._client = httpx.AsyncClient(follow_redirects=False, trust_env=False)
        return self._client

    async def start(self) -> None:
        if self.enabled:
            self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def wake(self) -> None:
        self._loop.wake()

    async def run_once(self) -> int:
        """Dispatch new events, then send until nothing more is due; returns the attempts."""
        async with self._running:
            await dispatch_events(self.services)
            attempted = 0
            for _ in range(MAX_ROUNDS):
                sent = await deliver_due(self.services, self.client, self.retry)
                attempted += sent
                if not sent:
                    break
            return attempted
