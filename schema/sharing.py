"""Subscribers with the same selection and the same view of an event share one execution.

graphql-core runs a subscription's selection set once per event *per subscriber*; with
thousands of dashboards open that is thousands of executions, each resolving the same
nested objects with statements of its own. Instead the subscription resolvers yield a
``SharedEvent``: the value, and the key of everything its answer depends on. The schema's
executor class, ``SharingExecutor``, answers such an event from the process's
``SharedResults``: the first subscriber with that key executes the selection (on a context
of its own, with a short-lived session and loaders), the others reuse the result. The
express lane (schema/express.py) asks the same ``SharedResults`` for the same answers.

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

from collections.abc import AsyncIterable, Awaitable, Callable, Hashable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

import orjson
from graphql import ExecutionResult, Executor
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.nodes import FragmentSpread, InlineFragment, Selection

from resolvers.access.cache import cache_key
from resolvers.context import RequestContext
from schema.context import Info
from subscriptions.express import text_frame
from subscriptions.shared import SharedResults

S = TypeVar("S")
V = TypeVar("V")
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


def dump_json(data: object) -> bytes:
    """JSON as every response and message is encoded (the express lane's frames included, so
    that they are byte for byte what the ordinary path sends)."""
    return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)


@dataclass(frozen=True)
class Presenter(Generic[S, V]):
    """How a subscription shows what its subscriber sees of an event (``S``, from its
    stream): as the payload type's value, and as the view — what, besides the subscription
    itself, the answer depends on."""

    value: Callable[[S], V]
    view: Callable[[S], Hashable]


class Answer:
    """A shared execution's result and, once an express lane asks, its websocket frames:
    encoded once, framed once per message prefix (most clients call their first
    subscription "1", so most lanes share one frame)."""

    __slots__ = ("_frames", "_payload", "result")

    def __init__(self, result: ExecutionResult) -> None:
        self.result = result
        self._payload: bytes | None = None
        self._frames: dict[bytes, bytes] = {}

    def frame(self, prefix: bytes, suffix: bytes) -> bytes | None:
        """The message ``prefix + payload + suffix`` as a text frame; None when the result
        carries errors, whose codes and masking are the schema extensions' work on the
        ordinary path."""
        frame = self._frames.get(prefix)
        if frame is not None:
            return frame
        if self.result.errors or self.result.extensions:
            return None
        if self._payload is None:
            self._payload = dump_json({"data": self.result.data})
        frame = self._frames[prefix] = text_frame(prefix + self._payload + suffix)
        return frame


# The executor of the subscription being started in this task (see SharingExecutor).
_starting: ContextVar[SharingExecutor | None] = ContextVar("starting_subscription", default=None)


@dataclass(frozen=True)
class Sharing(Generic[S, V]):
    """One subscription's part of the key (its operation, its variables and, when its
    selection needs them, the viewer's access rules), and how it presents events."""

    # None where this process serves no subscriptions (their streams refuse to start).
    results: SharedResults | None
    context: RequestContext
    # The operation and its variables.
    operation_key: Hashable
    # Whether the selection reaches objects read through the viewer's access rules.
    needs_sight: bool
    presenter: Presenter[S, V]
    # The subscription's executor: what executes answers asked for by the express lane.
    executor: SharingExecutor | None

    @property
    def key(self) -> Hashable:
        """The subscription's part of every answer's key. Read from the context each time:
        a change of rights renews the subscription's viewer (resolvers/live_sight.py)."""
        viewer = self.context.viewer
        sight = cache_key(viewer) if self.needs_sight and viewer is not None else None
        return (self.operation_key, sight)

    @classmethod
    def of(
        cls, info: Info, value_fields: frozenset[str], presenter: Presenter[S, V]
    ) -> Sharing[S, V]:
        """How the subscription at ``info`` shares. ``value_fields`` are the payload type's
        fields computed from the event alone, without access rules or the database."""
        context = info.context
        realtime = context.services.realtime
        raw = info._raw_info
        variables = repr(sorted(info.variable_values.items()))
        own_fields_only = _selected_names(info.selected_fields) <= value_fields | {TYPENAME}
        results = None if realtime is None else realtime.shared
        executor = _starting.get()
        if executor is not None and executor.operation is not raw.operation:
            executor = None
        operation_key = (_Same(raw.operation), variables)
        return cls(results, context, operation_key, not own_fields_only, presenter, executor)

    def event(self, seen: S) -> V:
        """What the subscriber sees of an event as the subscription yields it to graphql-core.

        Typed as the value itself because that is what it stands for: Strawberry reads the
        resolver's annotation as the GraphQL type, and ``SharingExecutor`` unwraps it."""
        value = self.presenter.value(seen)
        if self.results is None:
            return value
        return cast(V, SharedEvent(value, self.results, self.context, self._key_of(seen)))

    def answer(self, seen: S) -> Answer | Awaitable[Answer] | None:
        """The shared answer for an event, as the express lane asks for it; None where this
        subscription cannot execute one itself."""
        if self.results is None or self.executor is None:
            return None
        executor = self.executor
        value = self.presenter.value
        answer = self.results.get(
            self._key_of(seen), lambda: _execute_alone(executor, value(seen), self.context)
        )
        return cast(Answer | Awaitable[Answer], answer)

    def _key_of(self, seen: S) -> Hashable:
        """Everything the answer for this event depends on."""
        return (self.key, self.presenter.view(seen))


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

    def cancellable_iterable(self, iterable: AsyncIterable[T]) -> AsyncIterable[T]:
        # Called once, as a subscription starts, in the task that will then run its
        # resolver: Sharing.of picks this executor up there, for the express lane.
        _starting.set(self)
        return super().cancellable_iterable(iterable)

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
        if not isinstance(event, SharedEvent):
            return super().execute_operation(serially)
        answer = event.results.get(
            event.key, lambda: _execute_alone(self, event.value, event.context)
        )
        return answer.result if isinstance(answer, Answer) else _result_of(answer)


def _execute_alone(template: Executor[Any], value: Any, context: RequestContext) -> Any:
    """The answer for ``value``, executed on a context of its own: the ``Answer``, or an
    awaitable of it when a resolver needed I/O (the context's session is closed once it is
    done)."""
    forked = context.fork()
    executor = template.build_per_event_executor(value)
    executor.context_value = forked
    result = executor.execute_operation(False)
    if isinstance(result, Awaitable):
        return _closing(result, forked)
    # Finished without awaiting anything: no resolver reached the database or a loader.
    assert isinstance(result, ExecutionResult)
    return Answer(result)


async def _closing(result: Awaitable[Any], context: RequestContext) -> Answer:
    try:
        answer = await result
        assert isinstance(answer, ExecutionResult)
        return Answer(answer)
    finally:
        await context.close()


async def _result_of(answer: Awaitable[Answer]) -> ExecutionResult:
    return (await answer).result


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
