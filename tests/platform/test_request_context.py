"""The request context's session: closed only once no resolver is using it."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from starlette.applications import Starlette

from resolvers.context import RequestContext


async def test_closing_waits_for_a_resolver_still_using_the_session(app: Starlette) -> None:
    # When a field fails where null is not allowed, graphql-core answers at once while loader
    # batches may still be running: the operation then closes the context under them.
    ctx = RequestContext(services=app.state.services, viewer=None)
    querying, finish = asyncio.Event(), asyncio.Event()
    order: list[str] = []

    async def resolver() -> None:
        async with ctx.db() as session:
            await session.execute(text("SELECT 1"))
            querying.set()
            await finish.wait()
            await session.execute(text("SELECT 2"))
            order.append("resolver done")

    running = asyncio.create_task(resolver())
    await querying.wait()
    closing = asyncio.create_task(ctx.close())
    await asyncio.sleep(0.05)
    assert not closing.done(), "closed the session under a running resolver"
    finish.set()
    await asyncio.gather(running, closing)
    order.append("closed")
    assert order == ["resolver done", "closed"]
