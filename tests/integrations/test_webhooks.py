"""Outgoing webhooks against a real HTTP receiver on loopback: signed, only the kinds asked
for, only what the owner may see, retried with backoff until the receiver is back, in order
per record, disabled after failures in a row, silent once deleted, durable over a restart."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from crmhub.settings import Settings
from models import SessionFactory, WebhookDelivery, utcnow
from resolvers.webhooks.delivery import RetryPolicy
from schema.relay import encode_id
from tests.access.test_admin_api import ASSIGN, create_role, set_level
from tests.crm.api import default_pipeline
from tests.factories import Seed
from tests.integrations.test_api_keys import HIDE_AMOUNT
from tests.integrations.webhook_receiver import Receiver
from tests.integrations.webhooks_support import (
    CREATE_LEAD,
    DELETE_HOOK,
    HOOKS,
    UPDATE_DEAL,
    UPDATE_HOOK,
    create_hook,
    deliveries,
    move_to_second_stage,
    new_deal,
    running,
    verified,
)

NOTIFICATIONS = (
    "{ notifications(first: 10) { edges { node { kind text subject { __typename } } } } }"
)


async def test_events_of_the_kinds_asked_for_are_posted_signed(
    settings: Settings, seed: Seed, receiver: Receiver
) -> None:
    async with running(settings) as hub:
        admin = hub.client.as_user(await hub.client.login(seed.admin.email))
        created = await create_hook(
            admin, receiver.url, ["DEAL_CREATED", "DEAL_STAGE_MOVED"], description="ERP"
        )
        assert created["secret"].startswith("whsec_")
        hook = created["webhook"]
        assert (hook["eventKinds"], hook["owner"]) == (
            ["DEAL_CREATED", "DEAL_STAGE_MOVED"],
            {"email": seed.admin.email},
        )
        deal = await new_deal(admin, seed.member.id)
        await admin.data(CREATE_LEAD)  # a kind not asked for
        await move_to_second_stage(admin, deal)

        assert await hub.send() == 2
        assert receiver.kinds() == ["DEAL_CREATED", "DEAL_STAGE_MOVED"]
        for request in receiver.received:
            assert request.path == "/hooks"
            assert request.headers["Content-Type"] == "application/json"
            assert verified(created["secret"], request.headers["Crmhub-Signature"], request.body)
            assert not verified("whsec_other", request.headers["Crmhub-Signature"], request.body)
            assert request.headers["Crmhub-Event-Id"] == request.json["id"]
        first = receiver.received[0].json
        assert first["subject"] == {"type": "Deal", "id": deal}
        assert first["actorId"] == encode_id("User", seed.admin.id)
        assert first["webhookId"] == hook["id"]
        assert first["id"] == encode_id("FeedEvent", first["seq"])
        datetime.fromisoformat(first["occurredAt"])
        # IDs in changes are global IDs, as the API gives them.
        stages = [stage["id"] for stage in (await default_pipeline(admin))["stages"][:2]]
        assert receiver.received[1].json["changes"]["stageId"] == stages
        assert first["changes"]["assignedToId"] == [None, encode_id("User", seed.member.id)]

        log = await deliveries(admin, hook["id"])
        assert [row["status"] for row in log] == ["DELIVERED", "DELIVERED"]
        assert {row["id"] for row in log} == {
            request.headers["Crmhub-Delivery-Id"] for request in receiver.received
        }
        assert all(row["lastResponseCode"] == 200 and row["attempts"] == 1 for row in log)
        assert json.loads(log[0]["payload"]) == receiver.received[1].json

        # Nothing new: nothing more is sent.
        assert await hub.send() == 0
        assert len(receiver.received) == 2


async def test_only_what_the_owner_may_see_is_sent(
    settings: Settings, seed: Seed, receiver: Receiver
) -> None:
    async with running(settings) as hub:
        admin = hub.client.as_user(await hub.client.login(seed.admin.email))
        make_admin = (
            "mutation($id: ID!, $a: Boolean!) { updateUser(id: $id, input: {isAdmin: $a}) { id } }"
        )
        member_id = encode_id("User", seed.member.id)
        await admin.data(make_admin, {"id": member_id, "a": True})
        member = hub.client.as_user(await hub.client.login(seed.member.email))
        hook = (await create_hook(member, receiver.url, ["DEAL_CREATED"]))["webhook"]

        # An admin's webhook beside it, to the same receiver (told apart by webhookId).
        everything = (await create_hook(admin, receiver.url, ["DEAL_CREATED"]))["webhook"]

        # The owner is no admin any more: they read their own deals only, without amounts.
        await admin.data(make_admin, {"id": member_id, "a": False})
        role = await create_role(admin, "Own deals")
        await set_level(admin, role, "DEAL", "READ", "OWN")
        await admin.data(HIDE_AMOUNT, {"role": role})
        await admin.data(ASSIGN, {"role": role, "user": member_id})

        mine = await new_deal(admin, seed.member.id, "mine")
        others = await new_deal(admin, seed.head.id, "not mine")
        await hub.send()
        to_member = [r.json for r in receiver.received if r.json["webhookId"] == hook["id"]]
        to_admin = [r.json for r in receiver.received if r.json["webhookId"] == everything["id"]]
        assert [body["subject"]["id"] for body in to_member] == [mine]
        assert "amount" not in to_member[0]["changes"]
        assert "title" in to_member[0]["changes"]
        assert sorted(body["subject"]["id"] for body in to_admin) == sorted([mine, others])
        assert all(body["changes"]["amount"] == [None, "100.00"] for body in to_admin)
        assert len(await deliveries(admin, hook["id"])) == 1

        # No longer an admin, they cannot manage webhooks either.
        refused = await member.request(HOOKS)
        assert refused.code == "FORBIDDEN"


async def test_a_receiver_down_gets_everything_in_order_once_back(
    settings: Settings, seed: Seed, receiver: Receiver
) -> None:
    receiver.stop()
    async with running(settings) as hub:
        admin = hub.client.as_user(await hub.client.login(seed.admin.email))
        hook = (
            await create_hook(
                admin, receiver.url, ["DEAL_CREATED", "DEAL_UPDATED", "DEAL_STAGE_MOVED"]
            )
        )["webhook"]
        first = await new_deal(admin, seed.member.id, "first")
        second = await new_deal(admin, seed.head.id, "second")
        await admin.data(UPDATE_DEAL, {"id": first, "title": "first, renamed"})
        await move_to_second_stage(admin, first)

        await hub.send()
        log = {row["eventSeq"]: row for row in await deliveries(admin, hook["id"])}
        assert len(log) == 4 and all(row["status"] == "PENDING" for row in log.values())
        by_subject: dict[str, list[dict[str, object]]] = {}
        for seq in sorted(log):
            subject = json.loads(str(log[seq]["payload"]))["subject"]["id"]
            by_subject.setdefault(subject, []).append(log[seq])
        head_of_first, *rest_of_first = by_subject[first]
        # The first event of each record was tried and failed; the later ones of the same
        # record wait behind it, untried.
        for row in (head_of_first, by_subject[second][0]):
            attempts = int(str(row["attempts"]))
            assert attempts >= 1 and row["lastResponseCode"] is None
            assert "Connect" in str(row["lastError"])
            # Full jitter: the next attempt at most base * 2^(attempts-1) (capped) later.
            delay = datetime.fromisoformat(str(row["nextAttemptAt"])) - datetime.fromisoformat(
                str(row["lastAttemptAt"])
            )
            assert 0 <= delay.total_seconds() <= min(0.2, 0.05 * 2 ** (attempts - 1)) + 0.001
        assert all(row["attempts"] == 0 for row in rest_of_first)

        receiver.start()
        await asyncio.sleep(0.3)  # past any retry delay (capped at 0.2 s)
        await hub.send()
        subjects = [request.json["subject"]["id"] for request in receiver.received]
        assert sorted(subjects) == sorted([first, first, first, second])
        seqs_of_first = [
            r.json["seq"] for r in receiver.received if r.json["subject"]["id"] == first
        ]
        assert seqs_of_first == sorted(seqs_of_first)
        assert [r.json["kind"] for r in receiver.received if r.json["subject"]["id"] == first] == [
            "DEAL_CREATED",
            "DEAL_UPDATED",
            "DEAL_STAGE_MOVED",
        ]
        assert {row["status"] for row in await deliveries(admin, hook["id"])} == {"DELIVERED"}


async def test_failures_in_a_row_disable_the_webhook_and_tell_its_owner(
    settings: Settings, seed: Seed, receiver: Receiver
) -> None:
    receiver.status = 500
    async with running(settings, webhook_max_attempts=1) as hub:
        admin = hub.client.as_user(await hub.client.login(seed.admin.email))
        hook = (await create_hook(admin, receiver.url, ["DEAL_CREATED"]))["webhook"]
        for number in range(3):
            await new_deal(admin, seed.member.id, f"deal {number}")
        await hub.send()
        assert len(receiver.received) == 3
        failed = await deliveries(admin, hook["id"], "FAILED")
        assert len(failed) == 3
        assert all(
            row["lastResponseCode"] == 500 and "HTTP 500" in row["lastError"] for row in failed
        )
        [listed] = (await admin.data(HOOKS))["webhooks"]
        assert (listed["active"], listed["consecutiveFailures"]) == (False, 3)
        assert "3 deliveries failed in a row" in listed["disabledReason"]
        told = (await admin.data(NOTIFICATIONS))["notifications"]["edges"]
        assert [edge["node"]["kind"] for edge in told] == ["WEBHOOK_DISABLED"]
        assert receiver.url in told[0]["node"]["text"]

        # Disabled: nothing is sent, however many events come.
        await new_deal(admin, seed.member.id, "while off")
        await hub.send()
        assert len(receiver.received) == 3

        receiver.status = 204
        enabled = await admin.data(UPDATE_HOOK, {"id": hook["id"], "input": {"active": True}})
        assert enabled["updateWebhook"] == {
            "id": hook["id"],
            "active": True,
            "consecutiveFailures": 0,
            "disabledReason": None,
            "url": receiver.url,
        }
        await new_deal(admin, seed.member.id, "after")
        await hub.send()
        assert len(receiver.received) == 4
        assert len(await deliveries(admin, hook["id"], "DELIVERED")) == 1


async def test_nothing_is_sent_once_the_webhook_is_deleted(
    settings: Settings, seed: Seed, receiver: Receiver
) -> None:
    receiver.stop()
    async with running(settings) as hub:
        admin = hub.client.as_user(await hub.client.login(seed.admin.email))
        hook = (await create_hook(admin, receiver.url, ["DEAL_CREATED"]))["webhook"]
        await new_deal(admin, seed.member.id)
        await hub.send()
        assert len(await deliveries(admin, hook["id"], "PENDING")) == 1

        assert (await admin.data(DELETE_HOOK, {"id": hook["id"]}))["deleteWebhook"] == hook["id"]
        receiver.start()
        await new_deal(admin, seed.member.id)
        await asyncio.sleep(0.3)
        await hub.send()
        assert receiver.received == []
        assert (await admin.data(HOOKS))["webhooks"] == []
        gone = await admin.request(
            "query($id: ID!) { webhookDeliveries(webhookId: $id) { totalCount } }",
            {"id": hook["id"]},
        )
        assert gone.code == "NOT_FOUND"


async def test_a_restart_mid_retry_still_delivers(
    settings: Settings, seed: Seed, receiver: Receiver
) -> None:
    receiver.stop()
    async with running(settings) as hub:
        admin = hub.client.as_user(await hub.client.login(seed.admin.email))
        token = await hub.client.login(seed.admin.email)
        hook = (await create_hook(admin, receiver.url, ["DEAL_CREATED"]))["webhook"]
        deal = await new_deal(admin, seed.member.id)
        await hub.send()
        [pending] = await deliveries(admin, hook["id"])
        assert pending["status"] == "PENDING" and pending["attempts"] >= 1

    receiver.start()
    await asyncio.sleep(0.3)
    # Another process over the same database: everything it needs is there.
    async with running(settings) as restarted:
        await restarted.send()
        assert [request.json["subject"]["id"] for request in receiver.received] == [deal]
        [done] = await deliveries(restarted.client.as_user(token), hook["id"])
        assert (done["status"], done["attempts"]) == ("DELIVERED", pending["attempts"] + 1)


async def test_two_processes_send_each_delivery_once(
    settings: Settings, seed: Seed, receiver: Receiver
) -> None:
    async with running(settings) as one, running(settings) as two:
        admin = one.client.as_user(await one.client.login(seed.admin.email))
        await create_hook(admin, receiver.url, ["DEAL_CREATED", "DEAL_UPDATED"])
        deals = [await new_deal(admin, seed.member.id, f"deal {n}") for n in range(6)]
        for deal in deals:
            await admin.data(UPDATE_DEAL, {"id": deal, "title": "renamed"})
        await asyncio.gather(one.send(), two.send(), one.send(), two.send())
        await one.send()
        ids = [request.headers["Crmhub-Delivery-Id"] for request in receiver.received]
        assert len(ids) == len(set(ids)) == 12
        for deal in deals:
            kinds = [r.json["kind"] for r in receiver.received if r.json["subject"]["id"] == deal]
            assert kinds == ["DEAL_CREATED", "DEAL_UPDATED"]


async def test_the_background_sender_wakes_on_new_events(
    settings: Settings, seed: Seed, receiver: Receiver
) -> None:
    async with running(
        settings, webhook_worker_enabled=True, webhook_poll_interval_seconds=30.0
    ) as hub:
        admin = hub.client.as_user(await hub.client.login(seed.admin.email))
        await create_hook(admin, receiver.url, ["DEAL_CREATED"])
        deal = await new_deal(admin, seed.member.id)
        for _ in range(200):  # woken by the event pump, long before the 30 s poll
            if receiver.received:
                break
            await asyncio.sleep(0.05)
        assert [request.json["subject"]["id"] for request in receiver.received] == [deal]


async def test_a_sender_that_died_mid_request_is_relieved_when_its_lease_runs_out(
    settings: Settings, seed: Seed, receiver: Receiver, session_factory: SessionFactory
) -> None:
    async with running(settings) as hub:
        admin = hub.client.as_user(await hub.client.login(seed.admin.email))
        await create_hook(admin, receiver.url, ["DEAL_CREATED"])
        await new_deal(admin, seed.member.id)
        await hub.worker.run_once()  # turns the event into a delivery and sends it
        assert len(receiver.received) == 1
        # As if another process had claimed it again and died before recording anything.
        async with session_factory() as session:
            await session.execute(
                update(WebhookDelivery).values(
                    status="PENDING", lease_until=utcnow() + timedelta(minutes=5)
                )
            )
            await session.commit()
        await hub.send()
        assert len(receiver.received) == 1  # held by the lease
        async with session_factory() as session:
            await session.execute(
                update(WebhookDelivery).values(lease_until=utcnow() - timedelta(seconds=1))
            )
            await session.commit()
        await hub.send()
        assert len(receiver.received) == 2
        assert receiver.received[0].body == receiver.received[1].body


def test_retry_delays_are_full_jitter_under_the_cap() -> None:
    policy = RetryPolicy(base_delay_seconds=10, max_delay_seconds=60)
    delays = [policy.delay(attempts).total_seconds() for attempts in (1, 2, 3, 10) * 50]
    assert all(0 <= delay <= 60 for delay in delays)
    assert all(policy.delay(1).total_seconds() <= 10 for _ in range(50))
    assert max(delays) > 10  # later attempts wait longer than the first may


async def test_deleting_waits_for_a_request_under_way_on_postgresql(
    settings: Settings, seed: Seed, receiver: Receiver
) -> None:
    if settings.is_sqlite:
        pytest.skip("SQLite's senders re-check the webhook before sending; no lock to wait on")
    receiver.delay = 0.5
    async with running(settings) as hub:
        admin = hub.client.as_user(await hub.client.login(seed.admin.email))
        hook = (await create_hook(admin, receiver.url, ["DEAL_CREATED"]))["webhook"]
        await new_deal(admin, seed.member.id)
        sending = asyncio.create_task(hub.send())
        await asyncio.to_thread(receiver.arrived.wait, 10)
        assert receiver.answered == 0
        await admin.data(DELETE_HOOK, {"id": hook["id"]})
        # The delete answered only once the request under way was answered.
        assert receiver.answered == 1
        await sending
        await new_deal(admin, seed.member.id)
        await hub.send()
        assert len(receiver.received) == 1
