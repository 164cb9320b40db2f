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

from subscriptions.hub import Hub, Subscriber
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


class _Sink:
    def __init__(self, takes: bool = True) -> None:
        self.takes = takes
        self.written: list[bytes] = []

    def write(self, frame: bytes) -> bool:
        if self.takes:
            self.written.append(frame)
        return self.takes


class _Lane:
    """An express lane that frames an event as its seq and counts the framings."""

    def __init__(self, sink: _Sink | None = None, channel: str = "one") -> None:
        self.sink = sink or _Sink()
        self.channel = channel
        self.framed = 0

    def frame(self, seen: EventRecord) -> bytes:
        self.framed += 1
        return str(seen.seq).encode()


def _event(seq: int) -> EventRecord:
    return EventRecord(seq, "POST_CREATED", 1, "POST", seq, "POST", seq, {}, {}, datetime.now(UTC))


def _everything(event: EventRecord) -> EventRecord:
    return event


async def _idle(subscriber: Subscriber[Any]) -> asyncio.Future[Any]:
    waiting = asyncio.ensure_future(subscriber.next())
    await asyncio.sleep(0)  # it now waits on an empty queue
    return waiting


async def test_a_subscriber_with_events_queued_is_not_written_to_directly() -> None:
    hub = Hub()
    lane = _Lane()
    subscriber = hub.register(_everything, 1, express=lane)
    await hub.dispatch([_event(1)])  # its stream is not waiting: queued
    assert lane.sink.written == []
    assert (await subscriber.next())[0] == 1
    waiting = await _idle(subscriber)
    await hub.dispatch([_event(2), _event(3)])
    assert lane.sink.written == [b"2", b"3"]
    assert subscriber.delivered == 3
    assert not waiting.done()
    waiting.cancel()


async def test_an_event_the_socket_refuses_is_queued_and_later_ones_follow_it() -> None:
    hub = Hub()
    lane = _Lane(_Sink(takes=False))  # a slow client: its socket takes nothing now
    subscriber = hub.register(_everything, 1, express=lane)
    waiting = await _idle(subscriber)
    await hub.dispatch([_event(1)])  # refused: queued, the stream wakes up
    lane.sink.takes = True
    # Dispatched before the stream has even run: it must not overtake event 1.
    await hub.dispatch([_event(2)])
    assert lane.sink.written == []
    assert (await waiting)[0] == 1
    assert (await subscriber.next())[0] == 2


async def test_a_frame_that_waits_for_its_answer_holds_back_the_next_event() -> None:
    hub = Hub()
    release = asyncio.Event()

    class SlowLane(_Lane):
        def frame(self, seen: EventRecord) -> Any:
            async def framed() -> bytes:
                if seen.seq == 1:
                    await release.wait()
                return str(seen.seq).encode()

            return framed()

    lane = SlowLane()
    subscriber = hub.register(_everything, 1, express=lane)
    waiting = await _idle(subscriber)
    dispatching = asyncio.ensure_future(hub.dispatch([_event(1), _event(2)]))
    await asyncio.sleep(0.05)
    assert lane.sink.written == []
    release.set()
    await dispatching
    assert lane.sink.written == [b"1", b"2"]
    assert subscriber.delivered == 2
    waiting.cancel()


async def test_subscribers_judged_and_framed_alike_share_one_judgement_and_one_frame() -> None:
    hub = Hub()
    judged: list[str] = []

    def seeing(name: str) -> Any:
        def see(event: EventRecord) -> EventRecord:
            judged.append(name)
            return event

        return see

    first = _Lane()
    alike = [hub.register(seeing("ada"), 1, alike="ada", express=first)]
    alike += [hub.register(seeing("ada"), 1, alike="ada", express=_Lane()) for _ in range(3)]
    other = hub.register(seeing("nina"), 2, alike="nina", express=_Lane())
    waiting = [await _idle(subscriber) for subscriber in [*alike, other]]
    await hub.dispatch([_event(1)])
    assert sorted(judged) == ["ada", "nina"]
    assert first.framed == 1
    assert hub.channels == 2
    assert all(subscriber.delivered == 1 for subscriber in [*alike, other])
    assert hub.sent_directly == 5
    for subscriber in alike:
        hub.unregister(subscriber)
    assert hub.channels == 1
    for future in waiting:
        future.cancel()
