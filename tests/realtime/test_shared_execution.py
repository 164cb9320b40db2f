"""Subscribers with the same selection and the same view of an event share one execution.

Over real websockets: nested objects (`deal { … }`, `subject`, `actor`) cost the same SQL
for 2 subscribers as for 12, and every viewer still gets its own masking.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Any

from starlette.applications import Starlette

from subscriptions.realtime import Realtime
from tests.collaboration.factories import Company, Users, gid
from tests.crm_feed.world import sales_world
from tests.live_server import LiveServer, Subscription, serve
from tests.statements import count_statements

NESTED_DEAL = """subscription {
  dealChanged { kind changedFields deal { title amount assignedTo { email } stage { name } } }
}"""
OWN_FIELDS_ONLY = "subscription { dealChanged { kind dealId changedFields cursor } }"
NESTED_FEED = """subscription {
  feed(kinds: [DEAL_CREATED]) {
    kind actor { email } subject { __typename ... on Deal { title amount } }
  }
}"""
CREATE = "mutation($input: DealInput!) { createDeal(input: $input) { id } }"


def _realtime(app: Starlette) -> Realtime:
    realtime: Realtime = app.state.realtime
    return realtime


async def _deliver(
    app: Starlette,
    server: LiveServer,
    admin: str,
    readers: dict[str, str],
    query: str,
    per_reader: int,
    responsible_id: int,
) -> tuple[int, int, dict[str, list[dict[str, Any]]]]:
    """Opens ``per_reader`` subscriptions for each reader, creates one deal, waits until
    every subscription has it; returns the statements run, the executions and the answers."""
    async with AsyncExitStack() as stack:
        subscriptions = {
            name: [
                await stack.enter_async_context(Subscription.open(server, token, query))
                for _ in range(per_reader)
            ]
            for name, token in readers.items()
        }
        await asyncio.sleep(0.3)  # every subscription registered
        executions = _realtime(app).shared.computed
        deal = {"title": "Shared", "amount": "5", "assignedToId": gid("User", responsible_id)}
        with count_statements(app.state.engine) as log:
            await server.graphql(CREATE, {"input": deal}, token=admin)
            answers = {
                name: [await subscription.next() for subscription in opened]
                for name, opened in subscriptions.items()
            }
        return log.count, _realtime(app).shared.computed - executions, answers


async def test_nested_deal_fields_cost_the_same_for_2_and_12_subscribers(
    app: Starlette, company: Company, users: Users
) -> None:
    await sales_world(company, users)  # Nina reads her own deals, amounts hidden
    async with serve(app) as server:
        readers = {
            "ada": await server.login(company.ada.email),
            "nina": await server.login(company.nina.email),
        }
        few = await _deliver(app, server, readers["ada"], readers, NESTED_DEAL, 1, company.nina.id)
        many = await _deliver(app, server, readers["ada"], readers, NESTED_DEAL, 6, company.nina.id)
    (few_statements, few_executions, _), (many_statements, many_executions, answers) = few, many
    assert many_statements == few_statements
    # One execution per viewer: nested objects are read through each viewer's access rules.
    assert few_executions == many_executions == 2
    assert all(answer == answers["ada"][0] for answer in answers["ada"])
    assert answers["ada"][0]["dealChanged"]["deal"]["amount"] is not None
    for answer in answers["nina"]:
        change = answer["dealChanged"]
        assert change["kind"] == "CREATED"
        assert "amount" not in change["changedFields"]
        assert change["deal"]["amount"] is None
        assert change["deal"]["assignedTo"] == {"email": company.nina.email}


async def test_a_selection_of_the_events_own_fields_is_shared_across_viewers(
    app: Starlette, company: Company, users: Users
) -> None:
    await sales_world(company, users)
    owen = company.owen  # a second user who sees every deal, like Ada
    await (await users(company.ada)).data(
        "mutation($id: ID!) { updateUser(id: $id, input: {isAdmin: true}) { id } }",
        {"id": gid("User", owen.id)},
    )
    async with serve(app) as server:
        readers = {
            "ada": await server.login(company.ada.email),
            "owen": await server.login(owen.email),
            "nina": await server.login(company.nina.email),
        }
        _, executions, answers = await _deliver(
            app, server, readers["ada"], readers, OWN_FIELDS_ONLY, 4, company.nina.id
        )
    # Ada and Owen see the change alike (one execution), Nina without the amount (another).
    assert executions == 2
    assert answers["ada"][0] == answers["owen"][0]
    assert "amount" in answers["ada"][0]["dealChanged"]["changedFields"]
    assert "amount" not in answers["nina"][0]["dealChanged"]["changedFields"]
    assert all(answer == answers["nina"][0] for answer in answers["nina"])


async def test_nested_feed_fields_cost_the_same_for_2_and_12_subscribers(
    app: Starlette, company: Company, users: Users
) -> None:
    await sales_world(company, users)
    async with serve(app) as server:
        readers = {
            "ada": await server.login(company.ada.email),
            "nina": await server.login(company.nina.email),
        }
        few = await _deliver(app, server, readers["ada"], readers, NESTED_FEED, 1, company.nina.id)
        many = await _deliver(app, server, readers["ada"], readers, NESTED_FEED, 6, company.nina.id)
    assert many[0] == few[0]
    assert few[1] == many[1] == 2
    for answer in many[2]["nina"]:
        event = answer["feed"]
        assert event["actor"] == {"email": company.ada.email}
        assert event["subject"] == {"__typename": "Deal", "title": "Shared", "amount": None}
    assert many[2]["ada"][0]["feed"]["subject"]["amount"] is not None
