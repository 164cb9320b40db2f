"""The process's automation runner: pending rules run whenever the bus says events were
written, and on a poll (the bus may lose messages, or be down). The logic, and why every
process may run it, is in resolvers/automation/runner.py."""

from __future__ import annotations

from crmhub.periodic import Periodic
from resolvers.automation.runner import run_pending
from resolvers.context import Services


def automation_loop(services: Services, *, poll_seconds: float, depth_limit: int) -> Periodic:
    async def run_rules() -> None:
        await run_pending(services, depth_limit)

    return Periodic("automation", run_rules, poll_seconds)
