"""Hostile documents the limit tests and the abuse suite send."""

from __future__ import annotations


def fragment_bomb(levels: int) -> str:
    """About 60 bytes a level: each fragment spreads the next twice, so a naive walk of the
    operation meets 2^levels fields."""
    fragments = " ".join(
        f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)
    )
    return f"query {{ ...F0 }} {fragments} fragment F{levels} on Query {{ __typename }}"


NESTED_DEALS = (
    "deals(first: 100) { edges { node { company { deals { company { deals { company {"
    " deals { title } } } } } } } } }"
)


def nested_list_bomb(aliases: int = 10) -> str:
    """Aliased deals pages whose companies list their deals, whose companies …"""
    return "{ " + " ".join(f"a{i}: {NESTED_DEALS}" for i in range(aliases)) + " }"
