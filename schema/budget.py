"""The wall-clock budget of a query or mutation: past it, the operation is cancelled.

The budget stops operations that wait (on the database, on locks); it cannot interrupt
Python code that never yields, such as graphql-core completing a huge result. That work is
bounded before execution by the cost limit (schema/cost.py). Subscriptions are not timed:
they are meant to last, and each of their events is small.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any, ClassVar

from graphql import ExecutionResult, GraphQLError, OperationType

from schema.sharing import SharingExecutor

log = logging.getLogger(__name__)

TIMED_OUT = "OPERATION_TIMEOUT"


class BudgetedExecutor(SharingExecutor):
    """The schema's executor, with the budget of ``budgeted_executor``."""

    budget_seconds: ClassVar[float] = 0.0

    def execute_operation(self, serially: bool | None = None) -> Any:
        result = super().execute_operation(serially)
        if (
            self.budget_seconds <= 0
            or self.operation.operation is OperationType.SUBSCRIPTION
            or not isinstance(result, Awaitable)
        ):
            return result
        return _within(result, self.budget_seconds)


def budgeted_executor(seconds: float) -> type[BudgetedExecutor]:
    """The executor class for a schema whose operations may run ``seconds`` (0: no limit)."""
    return type("BudgetedExecutor", (BudgetedExecutor,), {"budget_seconds": seconds})


async def _within(result: Awaitable[ExecutionResult], seconds: float) -> ExecutionResult:
    try:
        async with asyncio.timeout(seconds) as budget:
            return await result
    except TimeoutError:
        if not budget.expired():
            raise  # the operation's own timeout, not ours
    log.warning("an operation ran past its %s s budget and was cancelled", seconds)
    error = GraphQLError(
        f"The operation ran past its time budget of {seconds:g} s and was cancelled",
        extensions={"code": TIMED_OUT, "limitSeconds": seconds},
    )
    return ExecutionResult(data=None, errors=[error])
