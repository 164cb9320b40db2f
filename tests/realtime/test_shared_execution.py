"""Subscribers with the same selection and the same view of an event share one execution.

Over real websockets: nested objects (`deal { … }`, `subject`, `actor`) cost the same SQL
for 2 subscribers as for 12, and every viewer still gets its own masking.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Any, NamedTuple

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
# The nested object hides behind a fragment spread and an alias: it must still be noticed,
# or viewers would share a deal read through one viewer's access rules.
NESTED_IN_A_FRAGMENT = """subscription {
  dealChanged { kind ...Seen }
}
fragment Seen on DealEvent { ... on DealEvent { it: deal { amount } } }"""
CREATE = "mutation($input: DealInput!) { createDeal(input: $input) { id } }"
UPDATE = "mutation($id: ID!, $input: DealPatch!) { updateDeal(id: $id, input: $input) { id } }"


def _realtime(app: Starlette) -> Realtime:
    realtime: Realtime = app.state.realtime
    return realtime


class Delivery(NamedTuple):
    statements: int
    executions: int
    answers: dict[str, list[dict[str, Any]]]


async def _deliver(
    app: Starlette,
    server: LiveServer,
    admin: str,
    readers: dict[str, str],
    query: str,
    per_reader: int,
    responsible_id: int,
) -> Delivery:
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
        return Delivery(log.count, _realtime(app).shared.computed - executions, answers)


async def _one_and_six_each(
    app: Starlette, company: Company, users: Users, query: str
) -> tuple[Delivery, Delivery]:
    """The same deal creation delivered to Ada and Nina with one subscription each, then
    with six each."""
    await sales_world(company, users)  # Nina reads her own deals, amounts hidden
    async with serve(app) as server:
        readers = {
            "ada": await server.login(company.ada.email),
            "nina": await server.login(company.nina.email),
        }
        admin, nina = readers["ada"], company.nina.id
        few = await _deliver(app, server, admin, readers, query, 1, nina)
        many = await _deliver(app, server, admin, readers, query, 6, nina)
    return few, many


async def test_nested_deal_fields_cost_the_same_for_2_and_12_subscribers(
    app: Starlette, company: Company, users: Users
) -> None:
    few, many = await _one_and_six_each(app, company, users, NESTED_DEAL)
    assert many.statements == few.statements
    # One execution per viewer: nested objects are read through each viewer's access rules.
    assert few.executions == many.executions == 2
    answers = many.answers
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
        delivery = await _deliver(
            app, server, readers["ada"], readers, OWN_FIELDS_ONLY, 4, company.nina.id
        )
    executions, answers = delivery.executions, delivery.answers
    # Ada and Owen see the change alike (one execution), Nina without the amount (another).
    assert executions == 2
    assert answers["ada"][0] == answers["owen"][0]
    assert "amount" in answers["ada"][0]["dealChanged"]["changedFields"]
    assert "amount" not in answers["nina"][0]["dealChanged"]["changedFields"]
    assert all(answer == answers["nina"][0] for answer in answers["nina"])


async def test_nested_feed_fields_cost_the_same_for_2_and_12_subscribers(
    app: Starlette, company: Company, users: Users
) -> None:
    few, many = await _one_and_six_each(app, company, users, NESTED_FEED)
    assert many.statements == few.statements
    assert few.executions == many.executions == 2
    for answer in many.answers["nina"]:
        event = answer["feed"]
        assert event["actor"] == {"email": company.ada.email}
        assert event["subject"] == {"__typename": "Deal", "title": "Shared", "amount": None}
    assert many.answers["ada"][0]["feed"]["subject"]["amount"] is not None


async def test_a_nested_object_behind_a_fragment_and_an_alias_is_not_shared_across_viewers(
    app: Starlette, company: Company, users: Users
) -> None:
    # A title change: Ada and Nina judge it alike (UPDATED, ["title"]), so only the nested
    # `deal`, read through each one's rules (Nina's amounts are hidden), tells them apart.
    await sales_world(company, users)
    async with serve(app) as server:
        ada = await server.login(company.ada.email)
        nina = await server.login(company.nina.email)
        deal = {"title": "Shared", "amount": "5", "assignedToId": gid("User", company.nina.id)}
        created = await server.graphql(CREATE, {"input": deal}, token=ada)
        async with (
            Subscription.open(server, ada, NESTED_IN_A_FRAGMENT) as ada_sees,
            Subscription.open(server, nina, NESTED_IN_A_FRAGMENT) as nina_sees,
        ):
            await asyncio.sleep(0.3)
            executions = _realtime(app).shared.computed
            rename = {"id": created["createDeal"]["id"], "input": {"title": "Renamed"}}
            await server.graphql(UPDATE, rename, token=ada)
            ada_change, nina_change = await ada_sees.next(), await nina_sees.next()
    assert _realtime(app).shared.computed - executions == 2
    assert ada_change["dealChanged"]["it"]["amount"] is not None
    assert nina_change["dealChanged"]["it"] == {"amount": None}
