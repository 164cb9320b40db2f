"""CALL_WEBHOOK: a rule hands the event that started it to a webhook, which signs, sends and
logs it like its own deliveries; once per run, only for records the condition picks."""

from __future__ import annotations

from crmhub.settings import Settings
from resolvers.automation.runner import run_pending
from schema.relay import encode_id
from tests.factories import Seed
from tests.integrations.automation_api import create_rule, runs, won_deal
from tests.integrations.webhook_receiver import Receiver
from tests.integrations.webhooks_support import DELETE_HOOK, create_hook, running, verified

DEPTH_LIMIT = 3


def big_wins_to(webhook_id: str) -> dict[str, object]:
    return {
        "name": "Big wins to the ERP",
        "trigger": {"kind": "DEAL_STAGE_ENTERED", "semantics": "SUCCESS"},
        "condition": {"deal": {"title": {"contains": "big"}}},
        "actions": [{"kind": "CALL_WEBHOOK", "webhookId": webhook_id}],
    }


async def test_a_rule_calls_a_webhook_once_for_the_records_it_picks(
    settings: Settings, seed: Seed, receiver: Receiver
) -> None:
    async with running(settings) as hub:
        admin = hub.client.as_user(await hub.client.login(seed.admin.email))
        # Subscribed to another kind only: what it gets here comes from the rule.
        created = await create_hook(admin, receiver.url, ["POST_CREATED"])
        rule = await create_rule(admin, **big_wins_to(created["webhook"]["id"]))
        big = await won_deal(admin, "A BIG order")
        await won_deal(admin, "A small order")

        services = hub.app.state.services
        assert await run_pending(services, DEPTH_LIMIT) == 1
        assert await run_pending(services, DEPTH_LIMIT) == 0
        assert await hub.send() == 1
        assert [run["status"] for run in await runs(admin, rule)] == ["DONE"]

    (request,) = receiver.received
    assert verified(created["secret"], request.headers["Crmhub-Signature"], request.body)
    assert (request.json["kind"], request.json["subject"]["id"]) == ("DEAL_STAGE_MOVED", big)
    assert request.json["changes"]["outcome"] == ["OPEN", "WON"]


async def test_a_rule_calling_a_deleted_webhook_fails_its_run(
    settings: Settings, seed: Seed, receiver: Receiver
) -> None:
    async with running(settings) as hub:
        admin = hub.client.as_user(await hub.client.login(seed.admin.email))
        hook = (await create_hook(admin, receiver.url, ["POST_CREATED"]))["webhook"]
        rule = await create_rule(admin, **big_wins_to(hook["id"]))
        await admin.data(DELETE_HOOK, {"id": hook["id"]})
        await won_deal(admin, "A big order")

        assert await run_pending(hub.app.state.services, DEPTH_LIMIT) == 1
        assert await hub.send() == 0
        (run,) = await runs(admin, rule)
    assert run["status"] == "FAILED"
    assert "webhook is gone" in run["message"]
    assert receiver.received == []


async def test_a_rule_naming_no_webhook_or_an_unknown_one_is_refused(
    settings: Settings, seed: Seed
) -> None:
    async with running(settings) as hub:
        admin = hub.client.as_user(await hub.client.login(seed.admin.email))
        document = (
            "mutation($input: AutomationRuleInput!) { createAutomationRule(input: $input) { id } }"
        )
        no_hook = big_wins_to("")
        no_hook["actions"] = [{"kind": "CALL_WEBHOOK"}]
        missing = await admin.request(document, {"input": no_hook})
        assert (missing.code, missing.error_field) == ("BAD_USER_INPUT", "actions.0.webhookId")
        unknown = await admin.request(document, {"input": big_wins_to(encode_id("Webhook", 9999))})
        assert (unknown.code, unknown.error_field) == ("NOT_FOUND", "actions.0.webhookId")
