"""Shaping a batch loader's rows into the list its keys ask for (aligned, one slot per key)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def one_per_key(rows: Iterable[V], key: Callable[[V], K], keys: Sequence[K]) -> list[V | None]:
    """The row for each key, None where there is none (unknown, or filtered out as invisible)."""
    found = {key(row): row for row in rows}
    return [found.get(wanted) for wanted in keys]


def many_per_key(pairs: Iterable[tuple[K, V]], keys: Sequence[K]) -> list[list[V]]:
    """The values for each key, in the order the pairs came (an empty list where none)."""
    grouped: dict[K, list[V]] = defaultdict(list)
    for key, value in pairs:
        grouped[key].append(value)
    return [grouped.get(wanted, []) for wanted in keys]
