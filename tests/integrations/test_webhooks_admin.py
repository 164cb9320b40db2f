"""Administering webhooks through the API: admins only (an admin's API key too), input
checked with extensions.code, the filter narrows what is sent, deliveries can be sent again."""

from __future__ import annotations

from typing import Any

import pytest

from crmhub.settings import Settings
from schema.relay import encode_id
from tests.client import GraphQLClient
from tests.crm.api import default_pipeline
from tests.factories import Seed
from tests.integrations.test_api_keys import create_key
from tests.integrations.webhook_receiver import Receiver
from tests.integrations.webhooks_support import (
    CREATE_HOOK,
    DELIVERIES,
    HOOKS,
    UPDATE_HOOK,
    create_hook,
    deliveries,
    new_deal,
    running,
)

REDELIVER = "mutation($id: ID!) { redeliverWebhookDelivery(id: $id) { id status attempts } }"
URL = "https://erp.example.com/crmhub"


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"url": "ftp://erp.example.com/x"}, "BAD_USER_INPUT", "url"),
        ({"url": "erp.example.com/x"}, "BAD_USER_INPUT", "url"),
        ({"url": "https:///nohost"}, "BAD_USER_INPUT", "url"),
        ({"url": "http://erp.example.com:99999/"}, "BAD_USER_INPUT", "url"),
        ({"url": "   "}, "BAD_USER_INPUT", "url"),
        ({"eventKinds": []}, "BAD_USER_INPUT", "eventKinds"),
        ({"description": "x" * 501}, "BAD_USER_INPUT", "description"),
        ({"filter": {"pipelineId": encode_id("Pipeline", 9999)}}, "NOT_FOUND", "filter.pipelineId"),
        (
            {"filter": {"responsibleId": encode_id("Deal", 1)}},
            "BAD_USER_INPUT",
            "filter.responsibleId",
        ),
    ],
)
async def test_bad_input_creates_no_webhook(
    admin: GraphQLClient, change: dict[str, Any], code: str, field: str
) -> None:
    variables = {"url": URL, "eventKinds": ["DEAL_CREATED"]} | change
    answer = await admin.request(CREATE_HOOK, {"input": variables})
    assert (answer.code, answer.error_field) == (code, field)
    assert (await admin.data(HOOKS))["webhooks"] == []


async def test_an_unknown_kind_is_bad_input(admin: GraphQLClient) -> None:
    answer = await admin.request(CREATE_HOOK, {"input": {"url": URL, "eventKinds": ["NOPE"]}})
    assert answer.code == "BAD_USER_INPUT"
    assert (await admin.data(HOOKS))["webhooks"] == []


async def test_admins_only(
    admin: GraphQLClient, member: GraphQLClient, client: GraphQLClient, seed: Seed
) -> None:
    hook = (await create_hook(admin, URL, ["DEAL_CREATED"]))["webhook"]
    variables = {"input": {"url": URL, "eventKinds": ["DEAL_CREATED"]}}
    assert (await member.request(CREATE_HOOK, variables)).code == "FORBIDDEN"
    assert (await member.request(HOOKS)).code == "FORBIDDEN"
    assert (await client.request(HOOKS)).code == "UNAUTHENTICATED"
    changes = {"id": hook["id"], "input": {"active": False}}
    assert (await member.request(UPDATE_HOOK, changes)).code == "FORBIDDEN"
    assert (await member.request(DELIVERIES, {"id": hook["id"]})).code == "FORBIDDEN"
    # node(id:) answers null to those who may not see a webhook.
    node = "query($id: ID!) { node(id: $id) { id ... on Webhook { url } } }"
    assert (await member.request(node, {"id": hook["id"]})).is_null()
    assert (await admin.data(node, {"id": hook["id"]}))["node"] == {"id": hook["id"], "url": URL}

    # An API key acting as an admin may; one limited to a role never acts as an admin.
    admin_key = (await create_key(admin, seed.admin.id))["key"]
    assert len((await client.data(HOOKS, token=admin_key))["webhooks"]) == 1
    member_key = (await create_key(admin, seed.member.id))["key"]
    assert (await client.request(CREATE_HOOK, variables, token=member_key)).code == "FORBIDDEN"

    missing = encode_id("Webhook", 9999)
    answer = await admin.request(UPDATE_HOOK, {"id": missing, "input": {"active": True}})
    assert (answer.code, answer.errors[0]["message"]) == (
        "NOT_FOUND",
        f"No Webhook with ID '{missing}'",
    )
    bad = await admin.request(UPDATE_HOOK, {"id": hook["id"], "input": {"url": "mailto:x@y"}})
    assert (bad.code, bad.error_field) == ("BAD_USER_INPUT", "url")


async def test_the_filter_narrows_to_a_pipeline_and_a_responsible(
    settings: Settings, seed: Seed, receiver: Receiver
) -> None:
    async with running(settings) as hub:
        admin = hub.client.as_user(await hub.client.login(seed.admin.email))
        pipeline = await default_pipeline(admin)
        created = await create_hook(
            admin,
            receiver.url,
            ["DEAL_CREATED", "LEAD_CREATED"],
            filter={
                "pipelineId": pipeline["id"],
                "responsibleId": encode_id("User", seed.member.id),
            },
        )
        assert created["webhook"]["filter"] == {
            "pipelineId": pipeline["id"],
            "responsibleId": encode_id("User", seed.member.id),
        }
        wanted = await new_deal(admin, seed.member.id)
        await new_deal(admin, seed.head.id)
        await admin.data('mutation { createLead(input: {title: "no pipeline"}) { id } }')
        await hub.send()
        assert [request.json["subject"]["id"] for request in receiver.received] == [wanted]


async def test_a_delivery_can_be_sent_again(
    settings: Settings, seed: Seed, receiver: Receiver
) -> None:
    async with running(settings) as hub:
        admin = hub.client.as_user(await hub.client.login(seed.admin.email))
        hook = (await create_hook(admin, receiver.url, ["DEAL_CREATED"]))["webhook"]
        await new_deal(admin, seed.member.id)
        await hub.send()
        [sent] = await deliveries(admin, hook["id"])
        again = (await admin.data(REDELIVER, {"id": sent["id"]}))["redeliverWebhookDelivery"]
        assert again == {"id": sent["id"], "status": "PENDING", "attempts": 0}
        await hub.send()
        assert len(receiver.received) == 2
        assert receiver.received[0].body == receiver.received[1].body
        missing = await admin.request(REDELIVER, {"id": encode_id("WebhookDelivery", 9999)})
        assert missing.code == "NOT_FOUND"
