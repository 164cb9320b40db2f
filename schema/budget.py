"""The budgets of a query or mutation as it runs: wall-clock time (past it, the operation
is cancelled) and list items (schema/list_bounds.py; past them, it stops).

The time budget stops operations that wait (on the database, on locks); it cannot interrupt
Python code that never yields, such as graphql-core completing a huge result. That work is
bounded by the cost limit before execution (schema/cost.py) and by the item tally during
it. Subscriptions have neither budget: they are meant to last, and each of their events is
small.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from contextvars import Token
from typing import Any, ClassVar

from graphql import ExecutionResult, GraphQLError, OperationType

from schema.limits import QueryLimits
from schema.list_bounds import TALLY, ItemTally
from schema.sharing import SharingExecutor

log = logging.getLogger(__name__)

TIMED_OUT = "OPERATION_TIMEOUT"


class BudgetedExecutor(SharingExecutor):
    """The schema's executor, with the budgets of ``budgeted_executor``."""

    budget_seconds: ClassVar[float] = 0.0
    max_list_items: ClassVar[int] = 0

    def execute_operation(self, serially: bool | None = None) -> Any:
        if self.operation.operation is OperationType.SUBSCRIPTION:
            return super().execute_operation(serially)
        tally = ItemTally(self.max_list_items)
        # Set before the root fields resolve: the tasks they start inherit it.
        token = TALLY.set(tally)
        result = super().execute_operation(serially)
        if isinstance(result, Awaitable):
            return _within(result, self.budget_seconds, tally, token)
        TALLY.reset(token)
        return _tallied(result, tally)


def budgeted_executor(limits: QueryLimits) -> type[BudgetedExecutor]:
    """The executor class for a schema held to ``limits``."""
    budgets = {
        "budget_seconds": limits.operation_timeout_seconds,
        "max_list_items": limits.max_list_items,
    }
    return type("BudgetedExecutor", (BudgetedExecutor,), budgets)


def _tallied(result: ExecutionResult, tally: ItemTally) -> ExecutionResult:
    """The result, or the one error that replaces it when the operation met too many items
    (each list past the limit failed on its own)."""
    return ExecutionResult(data=None, errors=[tally.error()]) if tally.exceeded else result


async def _within(
    result: Awaitable[ExecutionResult],
    seconds: float,
    tally: ItemTally,
    token: Token[ItemTally | None],
) -> ExecutionResult:
    try:
        if seconds <= 0:
            return _tallied(await result, tally)
        async with asyncio.timeout(seconds) as budget:
            return _tallied(await result, tally)
    except TimeoutError:
        if seconds <= 0 or not budget.expired():
            raise  # the operation's own timeout, not the budget's
    finally:
        TALLY.reset(token)
    log.warning("an operation ran past its %s s budget and was cancelled", seconds)
    error = GraphQLError(
        f"The operation ran past its time budget of {seconds:g} s and was cancelled",
        extensions={"code": TIMED_OUT, "limitSeconds": seconds},
    )
    return ExecutionResult(data=None, errors=[error])
