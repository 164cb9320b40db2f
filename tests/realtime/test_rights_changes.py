"""A change of rights reaches open subscriptions without closing them: later events are
judged under the new rights, a deal that leaves the view yields HIDDEN, viewers whose
rights did not change carry on untouched; revocation still closes with 4401."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from datetime import UTC, datetime
from typing import Any

import pytest
import websockets
from starlette.applications import Starlette

from subscriptions.control import ACCESS_CHANGED
from subscriptions.hub import Hub, Renew, See
from subscriptions.realtime import Realtime
from subscriptions.records import EventRecord
from tests.collaboration.factories import Company, Users, gid
from tests.crm_feed.world import sales_world
from tests.live_server import LiveServer, Subscription, serve

DEAL_CHANGED = """subscription {
  dealChanged { kind dealId changedFields deal { title amount } }
}"""
FEED = "subscription { feed(kinds: [DEAL_UPDATED]) { kind changes subject { __typename } } }"
NOTIFICATIONS = "subscription { notifications { kind } }"
CREATE = "mutation($input: DealInput!) { createDeal(input: $input) { id } }"
RENAME = """mutation($id: ID!, $title: String!) {
  updateDeal(id: $id, input: {title: $title}) { id }
}"""
ROLE_OF = "query { roles(first: 5) { edges { node { id name } } } }"
READ_DEALS = """mutation($role: ID!, $level: AccessLevel!) {
  setRolePermission(roleId: $role, entity: DEAL, action: READ, level: $level) { id }
}"""


async def _reader_role(server: LiveServer, admin: str) -> str:
    roles = (await server.graphql(ROLE_OF, token=admin))["roles"]["edges"]
    role_id: str = next(e["node"]["id"] for e in roles if e["node"]["name"] == "Deal reader")
    return role_id


async def _rename(server: LiveServer, admin: str, deal_id: str, title: str) -> None:
    await server.graphql(RENAME, {"id": deal_id, "title": title}, token=admin)


async def _grant(server: LiveServer, admin: str, role: str, level: str) -> None:
    await server.graphql(READ_DEALS, {"role": role, "level": level}, token=admin)


def _deal(title: str, responsible_id: int) -> dict[str, Any]:
    return {"input": {"title": title, "amount": "5", "assignedToId": gid("User", responsible_id)}}


async def test_open_subscriptions_follow_a_change_of_rights_without_closing(
    app: Starlette, company: Company, users: Users
) -> None:
    await sales_world(company, users)  # Nina reads her own deals, amounts hidden
    async with serve(app) as server:
        ada = await server.login(company.ada.email)
        nina = await server.login(company.nina.email)
        role = await _reader_role(server, ada)
        created = await server.graphql(CREATE, _deal("Ada's", company.ada.id), token=ada)
        deal_id = created["createDeal"]["id"]
        async with (
            Subscription.open(server, nina, DEAL_CHANGED) as nina_deals,
            Subscription.open(server, nina, FEED) as nina_feed,
            Subscription.open(server, ada, DEAL_CHANGED) as ada_deals,
        ):
            await asyncio.sleep(0.2)
            await _rename(server, ada, deal_id, "unseen")
            assert (await ada_deals.next())["dealChanged"]["kind"] == "UPDATED"
            assert await nina_deals.nothing_for(0.3)

            await _grant(server, ada, role, "ALL")
            await _rename(server, ada, deal_id, "seen")
            updated = (await nina_deals.next())["dealChanged"]
            assert (updated["kind"], updated["changedFields"]) == ("UPDATED", ["title"])
            assert updated["deal"] == {"title": "seen", "amount": None}
            in_feed = (await nina_feed.next())["feed"]
            assert in_feed == {
                "kind": "DEAL_UPDATED",
                "changes": {"title": ["unseen", "seen"]},
                "subject": {"__typename": "Deal"},
            }
            assert (await ada_deals.next())["dealChanged"]["kind"] == "UPDATED"

            await _grant(server, ada, role, "OWN")
            await _rename(server, ada, deal_id, "gone")
            hidden = (await nina_deals.next())["dealChanged"]
            assert hidden == {
                "kind": "HIDDEN",
                "dealId": deal_id,
                "changedFields": [],
                "deal": None,
            }
            await _rename(server, ada, deal_id, "still gone")
            assert await nina_deals.nothing_for(0.3)
            assert await nina_feed.nothing_for(0.1)
            # The administrator's subscription was never touched: every change reached it.
            for _ in range(2):
                assert (await ada_deals.next())["dealChanged"]["kind"] == "UPDATED"


async def test_a_viewer_is_reloaded_once_per_change_for_all_their_subscriptions(
    app: Starlette, company: Company, users: Users
) -> None:
    await sales_world(company, users)
    realtime: Realtime = app.state.services.realtime
    async with serve(app) as server:
        ada = await server.login(company.ada.email)
        nina = await server.login(company.nina.email)
        owen = await server.login(company.owen.email)
        role = await _reader_role(server, ada)
        async with (
            Subscription.open(server, nina, DEAL_CHANGED),
            Subscription.open(server, nina, FEED),
            Subscription.open(server, nina, NOTIFICATIONS),
            Subscription.open(server, owen, FEED),
        ):
            await asyncio.sleep(0.2)
            computed = realtime.shared.computed
            await _grant(server, ada, role, "ALL")
            for _ in range(50):
                if realtime.hub.renewed == 4:
                    break
                await asyncio.sleep(0.05)
            assert realtime.hub.renewed == 4
            # One reload for Nina's three subscriptions, one for Owen's.
            assert realtime.shared.computed - computed == 2


async def test_deactivation_still_closes_with_4401(
    app: Starlette, company: Company, users: Users
) -> None:
    await sales_world(company, users)
    async with serve(app) as server:
        ada = await server.login(company.ada.email)
        nina = await server.login(company.nina.email)
        async with Subscription.open(server, nina, DEAL_CHANGED) as feed:
            await asyncio.sleep(0.2)
            await server.graphql(
                "mutation($id: ID!) { deactivateUser(id: $id) { id } }",
                {"id": gid("User", company.nina.id)},
                token=ada,
            )
            with pytest.raises(websockets.ConnectionClosed) as closed:
                while True:
                    await asyncio.wait_for(feed.connection.recv(), 2)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 4401


async def test_the_hub_renews_only_the_named_viewers_before_the_next_event() -> None:
    hub = Hub()
    renewals: list[tuple[int, int]] = []

    def renewing(user_id: int, label: str) -> Renew[str]:
        async def renew(seq: int) -> tuple[See[str], Hashable]:
            renewals.append((user_id, seq))
            return (lambda event: f"{label} after"), ("renewed", user_id)

        return renew

    changed = hub.register(lambda event: "before", 1, alike="same", renew=renewing(1, "one"))
    untouched = hub.register(lambda event: "before", 2, alike="other", renew=renewing(2, "two"))
    await hub.dispatch(
        [_record(1, ACCESS_CHANGED, {"userIds": [1]}), _record(2, "POST_CREATED", {})]
    )
    assert renewals == [(1, 1)]
    assert changed.queue.get_nowait() == (2, "one after")
    assert untouched.queue.get_nowait() == (2, "before")
    assert hub.channels == 2


def _record(seq: int, kind: str, envelope: dict[str, Any]) -> EventRecord:
    return EventRecord(
        seq=seq,
        kind=kind,
        actor_id=None,
        subject_type="ACCESS",
        subject_id=0,
        scope_type="ACCESS",
        scope_id=0,
        changes={},
        envelope=envelope,
        occurred_at=datetime.now(UTC),
    )
