"""A small DataLoader: loads requested in the same tick are fetched in one batch.

Loaders live on the request context (see ``RequestContext.loader``), never at module level,
so nothing one user loaded is ever served to another.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Loader(Generic[K, V]):
    def __init__(self, batch: Callable[[list[K]], Awaitable[Sequence[V]]]) -> None:
        self._batch = batch
        self._cache: dict[K, asyncio.Future[V]] = {}
        self._pending: list[K] = []

    def load(self, key: K) -> asyncio.Future[V]:
        future = self._cache.get(key)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._cache[key] = future
            self._pending.append(key)
            if len(self._pending) == 1:
                self._schedule_dispatch()
        return future

    async def load_many(self, keys: Iterable[K]) -> list[V]:
        return list(await asyncio.gather(*(self.load(key) for key in keys)))

    def prime(self, key: K, value: V) -> None:
        """Seed the cache with a row already in hand (after a write, say)."""
        future = asyncio.get_running_loop().create_future()
        future.set_result(value)
        self._cache[key] = future

    def clear(self, key: K) -> None:
        self._cache.pop(key, None)

    def _schedule_dispatch(self) -> None:
        # Two hops: resolvers started by the same gather() get to enqueue their keys first.
        loop = asyncio.get_running_loop()
        loop.call_soon(lambda: loop.create_task(self._dispatch()))

    async def _dispatch(self) -> None:
        keys, self._pending = self._pending, []
        futures = [self._cache[key] for key in keys]
        try:
            values = await self._batch(keys)
            if len(values) != len(keys):
                raise RuntimeError(
                    f"batch function returned {len(values)} values for {len(keys)} keys"
                )
        except BaseException as error:
            for key, future in zip(keys, futures, strict=True):
                self._cache.pop(key, None)
                if not future.done():
                    future.set_exception(error)
            if not isinstance(error, Exception):
                raise
            return
        for future, value in zip(futures, values, strict=True):
            if not future.done():
                future.set_result(value)


def aligned(keys: Sequence[K], rows: Iterable[V], key_of: Callable[[V], K]) -> list[V | None]:
    """Batch results in the order of ``keys``, None where no row matched."""
    found = {key_of(row): row for row in rows}
    return [found.get(key) for key in keys]


def grouped(keys: Sequence[K], rows: Iterable[V], key_of: Callable[[V], K | None]) -> list[list[V]]:
    """Rows grouped under each of ``keys`` (in the rows' order), [] where none matched."""
    groups: dict[K | None, list[V]] = {key: [] for key in keys}
    for row in rows:
        groups[key_of(row)].append(row)
    return [groups[key] for key in keys]
