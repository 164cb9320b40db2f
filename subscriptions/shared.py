"""One computation per key, awaited by everyone who asks for it while it is remembered.

Fanning an event out to many subscribers, those who would compute the same answer (the same
selection, the same view of the event) share one computation: the first to ask starts it,
the rest await it. The work runs in a task of its own, so a subscriber that goes away while
waiting cancels only its wait, never the others' answer. Answers are remembered for the
last ``capacity`` keys; a subscriber that falls further behind than that computes its own.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

DEFAULT_CAPACITY = 4096


class SharedResults:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._capacity = capacity
        self._futures: OrderedDict[Hashable, asyncio.Future[Any]] = OrderedDict()
        # How many computations ran: what the sharing saved is visible to tests and benches.
        self.computed = 0

    def __len__(self) -> int:
        return len(self._futures)

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[Any]]) -> Any:
        """The answer for ``key``: computed by ``compute`` unless someone already did."""
        future = self._futures.get(key)
        if future is None or (future.done() and future.cancelled()):
            future = asyncio.ensure_future(compute())
            self.computed += 1
            self._futures[key] = future
            if len(self._futures) > self._capacity:
                self._futures.popitem(last=False)
        elif future.done():
            return future.result()  # the common case once the first has answered: no shield
        return await asyncio.shield(future)
