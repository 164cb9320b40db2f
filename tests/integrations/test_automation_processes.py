"""The done-when of automation rules, as production runs them: two app processes over one
database, each with its own runner; a deal moved to won through one of them gets exactly
one follow-up task."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import httpx

from tests.client import GraphQLClient
from tests.factories import Seed
from tests.integrations.automation_api import FOLLOW_UP, create_rule, runs, tasks_of, won_deal
from tests.served_process import crmhub_serve

# Long enough for a loaded machine; the loop ends as soon as the run is logged.
WAIT_SECONDS = 60
POLL_SECONDS = "0.2"


@asynccontextmanager
async def client_of(url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        yield http


async def test_two_processes_make_one_follow_up_task_for_a_won_deal(
    database_url: str, tmp_path: Path, seed: Seed
) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    with (
        crmhub_serve(database_url, tmp_path / "one", automation_poll_seconds=POLL_SECONDS) as one,
        crmhub_serve(database_url, tmp_path / "two", automation_poll_seconds=POLL_SECONDS) as two,
    ):
        async with AsyncExitStack() as stack:
            first = GraphQLClient(await stack.enter_async_context(client_of(one.url)))
            second = GraphQLClient(await stack.enter_async_context(client_of(two.url)))
            first = first.as_user(await first.login(seed.admin.email))
            second = second.as_user(await second.login(seed.admin.email))
            rule = await create_rule(first, **FOLLOW_UP)
            deal = await won_deal(second, "Deal won across processes")
            for _ in range(int(WAIT_SECONDS / float(POLL_SECONDS))):
                if await runs(first, rule):
                    break
                await asyncio.sleep(float(POLL_SECONDS))
            # Both runners have woken several times since: a second run would show by now.
            await asyncio.sleep(10 * float(POLL_SECONDS))
            (run,) = await runs(second, rule)
            assert run["status"] == "DONE"
            (task,) = await tasks_of(first, deal)
            assert task["title"] == "Follow up: Deal won across processes"
            assert run["createdIds"] == [task["id"]]
