"""The app's own automation loop: woken by the bus when events are written, not only by its
poll (set here far beyond the test's patience)."""

from __future__ import annotations

import asyncio

import pytest

from crmhub.settings import Settings
from tests.client import GraphQLClient
from tests.integrations.automation_api import FOLLOW_UP, create_rule, runs, tasks_of, won_deal

PATIENCE_SECONDS = 30
STEP_SECONDS = 0.1


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"automation_enabled": True, "automation_poll_seconds": 3600.0}
    )


async def test_the_loop_runs_rules_when_the_bus_says_events_were_written(
    admin: GraphQLClient,
) -> None:
    rule = await create_rule(admin, **FOLLOW_UP)
    deal = await won_deal(admin, "Woken")
    for _ in range(int(PATIENCE_SECONDS / STEP_SECONDS)):
        if await runs(admin, rule):
            break
        await asyncio.sleep(STEP_SECONDS)
    (run,) = await runs(admin, rule)
    assert run["status"] == "DONE"
    assert len(await tasks_of(admin, deal)) == 1
