"""The shape of a GraphQL request, over HTTP (the body) or a websocket (a subscribe or start
payload), checked before anything parses or runs it: each part has its type, and variables
nest no deeper than any input of the schema needs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# The deepest input of the schema (a filter's and/or/not nesting) is far shallower; deeper
# variables would only make graphql-core's recursive coercion run out of stack.
MAX_VARIABLES_DEPTH = 32


@dataclass(frozen=True)
class Problem:
    field: str
    message: str


def operation_problem(request: Mapping[str, object]) -> Problem | None:
    """What is wrong with the parts of a request (``query``, ``variables``,
    ``operationName``, ``extensions``), if anything."""
    if not isinstance(request.get("query"), str):
        return Problem("query", "'query' must be a string holding the GraphQL document")
    for name in ("variables", "extensions"):
        if not isinstance(request.get(name), dict | None):
            return Problem(name, f"'{name}' must be an object or null")
    if not isinstance(request.get("operationName"), str | None):
        return Problem("operationName", "'operationName' must be a string or null")
    if nesting_depth(request.get("variables"), MAX_VARIABLES_DEPTH) > MAX_VARIABLES_DEPTH:
        return Problem("variables", f"'variables' nest deeper than {MAX_VARIABLES_DEPTH} levels")
    return None


def nesting_depth(value: object, limit: int) -> int:
    """How deep lists and objects nest in ``value`` (a scalar: 0), counted no further than one
    past ``limit``; iterative, so that depth cannot exhaust the stack."""
    deepest = 0
    pending: list[tuple[object, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children: list[object] = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if depth > limit:
            return depth
        pending.extend((child, depth) for child in children)
    return deepest
