"""A pass of background work run again and again for the life of the process: every
``every_seconds``, and sooner when woken (the event pump woke it: events were written).

A pass that fails is logged and the next one tries again: the database, the bus or a peer
(an SMTP server, a webhook receiver) may be away for a while.

Stopping lets a pass in flight finish, for up to ``grace_seconds``, before it cancels: a pass
cut between sending a message and recording it would send it again after a restart, and a
cancellation landing inside a database write can leave the connection holding its lock
(SQLite then refuses every other writer). Stopping sets a flag as well as cancelling: a
cancellation that lands while a database session closes may be absorbed there, and the loop
must end all the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from subscriptions.bus import stop_task

log = logging.getLogger(__name__)

GRACE_SECONDS = 10.0


class Periodic:
    def __init__(
        self,
        name: str,
        run_pass: Callable[[], Awaitable[object]],
        every_seconds: float,
        *,
        wait_first: bool = False,
        grace_seconds: float = GRACE_SECONDS,
    ) -> None:
        self.name = name
        self.run_pass = run_pass
        self.every_seconds = every_seconds
        # Wait a period before the first pass, rather than run one at start.
        self.wait_first = wait_first
        self.grace_seconds = grace_seconds
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        # A sleeping loop ends at once; a pass in flight ends at its own pace, up to the grace.
        await asyncio.wait({self._task}, timeout=self.grace_seconds)
        await stop_task(self._task)
        self._task = None

    async def _run(self) -> None:
        if self.wait_first:
            await self._sleep()
        while not self._stopping:
            # Cleared before the pass: a wake-up during it calls for another.
            self._wake.clear()
            try:
                await self.run_pass()
            except Exception:
                log.exception("%s: the pass failed; the next one tries again", self.name)
            await self._sleep()

    async def _sleep(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self.every_seconds)
