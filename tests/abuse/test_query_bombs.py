"""Hostile documents answer a coded error at once, and the hub keeps serving meanwhile."""

from __future__ import annotations

import base64
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from models import AccessAction, AccessLevel, SessionFactory
from models.crm import CrmEntity, Deal
from tests.abuse.conftest import Probing
from tests.crm.api import CREATE_COMPANY
from tests.crm.factories import many_deals
from tests.factories import Seed, every_action, grant_role
from tests.limits.documents import fragment_bomb, nested_list_bomb
from tests.live_server import LiveServer

# Generous bounds for a loaded machine: a bomb that is expanded takes seconds or forever.
ANSWER_WITHIN_SECONDS = 1.0
HEALTHZ_WITHIN_SECONDS = 0.5


async def _post(
    server: LiveServer, query: str, token: str | None = None
) -> tuple[dict[str, Any], float]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        started = time.perf_counter()
        answer = await http.post("/graphql", json={"query": query}, headers=headers)
        elapsed = time.perf_counter() - started
    assert answer.status_code == 200, answer.text
    return answer.json(), elapsed


@pytest.mark.parametrize("levels", [25, 40])
async def test_a_fragment_bomb_is_refused_at_once(
    hub: LiveServer, probing: Probing, levels: int
) -> None:
    async with probing() as probes:
        body, elapsed = await _post(hub, fragment_bomb(levels))
    assert [error["extensions"]["code"] for error in body["errors"]] == ["QUERY_TOO_COMPLEX"]
    assert elapsed < ANSWER_WITHIN_SECONDS
    assert probes.slowest < HEALTHZ_WITHIN_SECONDS


async def test_a_nested_list_bomb_of_a_sales_manager_is_refused_at_once(
    hub: LiveServer, probing: Probing, seed: Seed, session_factory: SessionFactory
) -> None:
    await grant_role(
        session_factory,
        "Sales manager",
        {**every_action(AccessLevel.OWN), **_reads(AccessLevel.OPEN)},
        user=seed.member,
    )
    manager = await hub.login(seed.member.email)
    # A company with 100 opened deals: each deal lists the company, which lists the deals …
    company = await hub.graphql(CREATE_COMPANY, {"input": {"title": "Hub"}}, token=manager)
    await many_deals(session_factory, 100)
    async with session_factory() as session:
        await session.execute(update(Deal).values(company_id=_pk(company["createCompany"]["id"])))
        await session.commit()

    async with probing() as probes:
        body, elapsed = await _post(hub, nested_list_bomb(10), manager)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["cost"] > error["extensions"]["limit"]
    assert elapsed < ANSWER_WITHIN_SECONDS
    assert probes.slowest < HEALTHZ_WITHIN_SECONDS


def _reads(level: AccessLevel) -> dict[tuple[CrmEntity, AccessAction], AccessLevel]:
    return {(entity, AccessAction.READ): level for entity in CrmEntity}


def _pk(global_id: str) -> int:
    return int(base64.urlsafe_b64decode(global_id + "==").decode().split(":")[1])
