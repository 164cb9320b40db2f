"""One computation per key, reused by everyone who asks for it while it is remembered.

Fanning an event out to many subscribers, those who would compute the same answer (the same
selection, the same view of the event) share one computation: the first to ask runs it, the
rest reuse it. A computation that finishes at once (no I/O) is stored as its value and
handed out without any awaiting; one that needs I/O runs in a task of its own, so a
subscriber that goes away while waiting cancels only its wait, never the others' answer.
Answers are remembered for the last ``capacity`` keys; a subscriber that falls further
behind than that computes its own.
"""

from __future__ import annotations

import asyncio
import inspect
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

DEFAULT_CAPACITY = 4096


class SharedResults:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._capacity = capacity
        self._answers: OrderedDict[Hashable, asyncio.Future[Any]] = OrderedDict()
        # How many computations ran: what the sharing saved is visible to tests and benches.
        self.computed = 0

    def __len__(self) -> int:
        return len(self._answers)

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The answer for ``key`` (awaitable while it is being computed): ``compute()``'s,
        which may return the value or an awaitable of it, unless someone already asked."""
        answer = self._answers.get(key)
        if answer is None or answer.cancelled():
            answer = self._start(key, compute)
        if answer.done():
            return answer.result()  # the common case: no waiting, no task switch
        return asyncio.shield(answer)

    def _start(self, key: Hashable, compute: Callable[[], Any]) -> asyncio.Future[Any]:
        self.computed += 1
        value = compute()
        answer: asyncio.Future[Any]
        if inspect.isawaitable(value):
            answer = asyncio.ensure_future(_awaited(value))
        else:
            answer = asyncio.get_running_loop().create_future()
            answer.set_result(value)
        self._answers[key] = answer
        if len(self._answers) > self._capacity:
            self._answers.popitem(last=False)
        return answer


async def _awaited(awaitable: Awaitable[Any]) -> Any:
    return await awaitable
