"""Subscribers with the same selection and the same view of an event share one execution.

graphql-core runs a subscription's selection set once per event *per subscriber*; with
thousands of dashboards open that is thousands of executions, each resolving the same
nested objects with statements of its own. Instead the subscription resolvers yield a
``SharedEvent``: the value, and the key of everything its answer depends on. The schema's
executor class, ``SharingExecutor``, answers such an event from the process's
``SharedResults``: the first subscriber with that key executes the selection (on a context
of its own, with a short-lived session and loaders), the others reuse the result.

What an answer depends on:
- the operation (the parsed document is cached, so equal query texts give the same one) and
  its variables;
- the subscriber's view of the event (the masked change, say) — computed in memory;
- the viewer's sight (user, department, admin flag, policy epoch: the policy cache's key),
  but only when the selection reaches past the event's own fields into objects resolved
  through the viewer's access rules. A selection of the event's own fields is shared by
  every subscriber who sees the event the same way, whoever they are.
"""

from __future__ import annotations

from collections.abc import Awaitable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from graphql import ExecutionResult, Executor
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.nodes import FragmentSpread, InlineFragment, Selection

from resolvers.access.cache import cache_key
from resolvers.context import RequestContext
from schema.context import Info
from subscriptions.shared import SharedResults

T = TypeVar("T")

TYPENAME = "__typename"


class _Same:
    """Hashes and compares by identity, and keeps its object alive while it is a key."""

    __slots__ = ("obj",)

    def __init__(self, obj: object) -> None:
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.obj is self.obj


@dataclass(frozen=True)
class Sharing:
    """One subscription's part of the key: its operation, its variables and, when its
    selection needs them, the viewer's access rules."""

    # None where this process serves no subscriptions (their streams refuse to start).
    results: SharedResults | None
    context: RequestContext
    key: Hashable

    @classmethod
    def of(cls, info: Info, value_fields: frozenset[str]) -> Sharing:
        """How the subscription at ``info`` shares. ``value_fields`` are the payload type's
        fields computed from the event alone, without access rules or the database."""
        context = info.context
        realtime = context.services.realtime
        raw = info._raw_info
        variables = repr(sorted(info.variable_values.items()))
        own_fields_only = _selected_names(info.selected_fields) <= value_fields | {TYPENAME}
        viewer = context.viewer
        sight = None if own_fields_only or viewer is None else cache_key(viewer)
        results = None if realtime is None else realtime.shared
        return cls(results, context, (_Same(raw.operation), variables, sight))

    def event(self, value: T, view: Hashable) -> T:
        """``value`` as the subscription yields it to graphql-core: ``view`` is what,
        besides this subscription's key, its answer depends on (the event's seq, say).

        Typed as the value itself because that is what it stands for: Strawberry reads the
        resolver's annotation as the GraphQL type, and ``SharingExecutor`` unwraps it."""
        if self.results is None:
            return value
        return cast(T, SharedEvent(value, self.results, self.context, (self.key, view)))


class SharedEvent(Generic[T]):
    """A subscription's event as yielded to graphql-core (a plain slotted class: one is made
    per subscriber and event)."""

    __slots__ = ("context", "key", "results", "value")

    def __init__(
        self, value: T, results: SharedResults, context: RequestContext, key: Hashable
    ) -> None:
        self.value = value
        self.results = results
        self.context = context
        self.key = key


class SharingExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, answering a ``SharedEvent`` once per key."""

    def build_per_event_executor(self, payload: Any) -> Executor[Any]:
        if isinstance(payload, SharedEvent):
            # No copy per subscriber and event (it showed in the fan-out profile): the
            # subscription's own executor answers it. Safe because a subscription's events
            # are mapped one at a time, and its root value served only the subscribe call.
            self.root_value = payload
            return self
        return super().build_per_event_executor(payload)

    def execute_operation(self, serially: bool | None = None) -> Any:
        event = self.root_value
        if isinstance(event, SharedEvent):
            return event.results.get(event.key, lambda: _execute_alone(self, event))
        return super().execute_operation(serially)


def _execute_alone(template: Executor[Any], event: SharedEvent[Any]) -> Any:
    """The event's answer, executed on a context of its own: the result, or an awaitable of
    it when a resolver needed I/O (the context's session is closed once it is done)."""
    context = event.context.fork()
    executor = template.build_per_event_executor(event.value)
    executor.context_value = context
    result = executor.execute_operation(False)
    if isinstance(result, Awaitable):
        return _closing(result, context)
    # Finished without awaiting anything: no resolver reached the database or a loader.
    return result


async def _closing(result: Awaitable[Any], context: RequestContext) -> ExecutionResult:
    try:
        answer = await result
        assert isinstance(answer, ExecutionResult)
        return answer
    finally:
        await context.close()


def _selected_names(selections: list[Selection]) -> set[str]:
    """The names of the fields selected on the subscription's payload, through fragments."""
    names: set[str] = set()
    for root in selections:
        pending = list(getattr(root, "selections", []))
        while pending:
            selection = pending.pop()
            if isinstance(selection, FragmentSpread | InlineFragment):
                pending.extend(selection.selections)
            else:
                names.add(selection.name)
    return names
