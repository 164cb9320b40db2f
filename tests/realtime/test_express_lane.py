"""The express lane: idle subscribers are written to by the hub, frame by frame.

Over real websockets the lane must send exactly what the ordinary path sends (both
protocols, nested selections, per-viewer masking); in the hub it must never let a direct
frame overtake an event still queued the ordinary way.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any

import websockets
from starlette.applications import Starlette
from websockets import Subprotocol

from subscriptions.hub import Hub
from subscriptions.realtime import Realtime
from subscriptions.records import EventRecord
from tests.collaboration.factories import Company, Users, gid
from tests.crm_feed.world import sales_world
from tests.live_server import LiveServer, Subscription, serve

NESTED_DEAL = """subscription {
  dealChanged { kind changedFields cursor deal { title amount assignedTo { email } } }
}"""
FEED = "subscription { feed(kinds: [DEAL_CREATED]) { kind cursor changes actor { email } } }"
CREATE = "mutation($input: DealInput!) { createDeal(input: $input) { id } }"


def _hub(app: Starlette) -> Hub:
    realtime: Realtime = app.state.realtime
    return realtime.hub


async def _create_deal(server: LiveServer, token: str, responsible_id: int) -> None:
    deal = {"title": "Express", "amount": "7", "assignedToId": gid("User", responsible_id)}
    await server.graphql(CREATE, {"input": deal}, token=token)


async def test_idle_subscribers_get_through_the_lane_what_the_ordinary_path_sends(
    app: Starlette, company: Company, users: Users
) -> None:
    await sales_world(company, users)  # Nina reads her own deals, amounts hidden
    async with serve(app) as framed, serve(app, framed=False) as plain, AsyncExitStack() as stack:
        tokens = {
            "ada": await framed.login(company.ada.email),
            "nina": await framed.login(company.nina.email),
        }
        opened: dict[tuple[str, str, str], Subscription] = {}
        for name, token in tokens.items():
            for query_name, query in (("deal", NESTED_DEAL), ("feed", FEED)):
                for lane, server in (("framed", framed), ("plain", plain)):
                    opened[name, query_name, lane] = await stack.enter_async_context(
                        Subscription.open(server, token, query)
                    )
        await asyncio.sleep(0.3)  # every stream idle
        before = _hub(app).sent_directly
        await _create_deal(framed, tokens["ada"], company.nina.id)
        answers = {key: await subscription.next() for key, subscription in opened.items()}
    # The four framed subscriptions went through the lane, the four plain ones did not.
    assert _hub(app).sent_directly - before == 4
    for name in tokens:
        for query_name in ("deal", "feed"):
            assert answers[name, query_name, "framed"] == answers[name, query_name, "plain"]
    assert answers["ada", "deal", "framed"]["dealChanged"]["deal"]["amount"] is not None
    nina = answers["nina", "deal", "framed"]["dealChanged"]
    assert nina["deal"]["amount"] is None
    assert "amount" not in nina["changedFields"]
    assert "amount" not in answers["nina", "feed", "framed"]["feed"]["changes"]


async def test_the_legacy_protocol_gets_data_messages_with_its_own_id(
    app: Starlette, company: Company, users: Users
) -> None:
    await sales_world(company, users)
    async with serve(app) as server:
        token = await server.login(company.ada.email)
        async with websockets.connect(
            server.ws_url, subprotocols=[Subprotocol("graphql-ws")]
        ) as connection:
            init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
            await connection.send(json.dumps(init))
            assert json.loads(await connection.recv())["type"] == "connection_ack"
            start = {"type": "start", "id": 'op "7"', "payload": {"query": FEED}}
            await connection.send(json.dumps(start))
            await asyncio.sleep(0.3)
            before = _hub(app).sent_directly
            await _create_deal(server, token, company.nina.id)
            message = await _next_data(connection)
    assert _hub(app).sent_directly - before == 1
    assert message["id"] == 'op "7"'
    assert message["payload"]["data"]["feed"]["kind"] == "DEAL_CREATED"


async def _next_data(connection: websockets.ClientConnection) -> dict[str, Any]:
    while True:  # skip keep-alives
        message: dict[str, Any] = json.loads(await asyncio.wait_for(connection.recv(), 5))
        if message["type"] != "ka":
            assert message["type"] == "data", message
            return message


class _Lane:
    """An express lane that records what it is given and answers as told."""

    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.sent: list[int] = []

    def send(self, seen: EventRecord) -> bool:
        self.sent.append(seen.seq)
        return self.answer


def _event(seq: int) -> EventRecord:
    return EventRecord(seq, "POST_CREATED", 1, "POST", seq, "POST", seq, {}, {}, datetime.now(UTC))


async def test_a_subscriber_with_events_queued_is_not_written_to_directly() -> None:
    hub = Hub()
    lane = _Lane(answer=True)
    subscriber = hub.register(lambda event: event, 1, express=lane)
    await hub.dispatch([_event(1)])  # its stream is not waiting: queued
    assert lane.sent == []
    assert (await subscriber.next())[0] == 1
    waiting = asyncio.ensure_future(subscriber.next())
    await asyncio.sleep(0)  # now it waits on an empty queue: idle
    await hub.dispatch([_event(2), _event(3)])
    assert lane.sent == [2, 3]
    assert subscriber.delivered == 3
    assert not waiting.done()
    waiting.cancel()


async def test_an_event_the_lane_refuses_is_queued_and_later_ones_follow_it() -> None:
    hub = Hub()
    lane = _Lane(answer=False)
    subscriber = hub.register(lambda event: event, 1, express=lane)
    waiting = asyncio.ensure_future(subscriber.next())
    await asyncio.sleep(0)
    await hub.dispatch([_event(1)])  # refused: queued, the stream wakes up
    lane.answer = True
    # Dispatched before the stream has even run: it must not overtake event 1.
    await hub.dispatch([_event(2)])
    assert lane.sent == [1]
    assert (await waiting)[0] == 1
    assert (await subscriber.next())[0] == 2


async def test_a_lane_that_waits_for_its_answer_holds_back_the_next_event() -> None:
    hub = Hub()
    order: list[str] = []
    release = asyncio.Event()

    class SlowLane:
        def send(self, seen: EventRecord) -> Any:
            async def written() -> bool:
                if seen.seq == 1:
                    await release.wait()
                order.append(f"wrote {seen.seq}")
                return True

            return written()

    subscriber = hub.register(lambda event: event, 1, express=SlowLane())
    waiting = asyncio.ensure_future(subscriber.next())
    await asyncio.sleep(0)
    dispatching = asyncio.ensure_future(hub.dispatch([_event(1), _event(2)]))
    await asyncio.sleep(0.05)
    assert order == []
    release.set()
    await dispatching
    assert order == ["wrote 1", "wrote 2"]
    assert subscriber.delivered == 2
    waiting.cancel()
