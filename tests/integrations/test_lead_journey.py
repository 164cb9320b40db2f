"""The integrations together, as a team would wire them: a lead posted to a web form is
created, a round-robin automation rule hands it to the next member of the sales department,
who is told live and by e-mail (caught by a real SMTP server), and a webhook receiver gets
the signed LEAD_CREATED delivery. And a rule that mails the lead from a template."""

from __future__ import annotations

import pytest

from crmhub.settings import Settings
from resolvers.automation.runner import run_pending
from resolvers.mail.outbox import send_due
from schema.relay import encode_id
from tests.factories import Seed
from tests.integrations.automation_api import create_rule, runs
from tests.integrations.mail_api import config_for
from tests.integrations.smtp_server import smtp_server
from tests.integrations.test_lead_forms import create_form, north_members
from tests.integrations.webhook_receiver import Receiver
from tests.integrations.webhooks_support import create_hook, running, verified
from tests.live_server import Subscription, serve

DEPTH_LIMIT = 3
SET_MODE = "mutation($m: EmailNotifications!) { setEmailNotifications(mode: $m) }"
LEADS = "{ leads(first: 5) { edges { node { id assignedTo { email } } } } }"
CREATE_TEMPLATE = """mutation($input: MailTemplateInput!) { createMailTemplate(input: $input)
  { id } }"""
CREATE_RULE = """mutation($input: AutomationRuleInput!) { createAutomationRule(input: $input)
  { id } }"""


def round_robin_in_north(seed: Seed) -> dict[str, object]:
    return {
        "name": "New leads to North in turn",
        "trigger": {"kind": "LEAD_CREATED"},
        "actions": [
            {
                "kind": "ASSIGN",
                "strategy": "ROUND_ROBIN",
                "departmentId": encode_id("Department", seed.north.id),
            }
        ],
    }


async def test_a_form_lead_is_routed_by_a_rule_told_live_and_by_mail_and_sent_to_a_webhook(
    settings: Settings, seed: Seed, receiver: Receiver
) -> None:
    async with running(settings) as hub:
        admin = hub.client.as_user(await hub.client.login(seed.admin.email))
        first_in_turn, *_ = await north_members(admin, seed, 2)
        hook = await create_hook(admin, receiver.url, ["LEAD_CREATED"])
        await create_rule(admin, **round_robin_in_north(seed))
        form = await create_form(admin, seed, assignedToId=encode_id("User", seed.admin.id))
        manager = hub.client.as_user(await hub.client.login(first_in_turn))
        await manager.data(SET_MODE, {"m": "IMMEDIATE"})

        async with serve(hub.app) as server:
            token = await server.login(first_in_turn)
            query = "subscription { notifications { kind text } }"
            async with Subscription.open(server, token, query) as told:
                posted = await hub.client.http.post(
                    form["submitPath"],
                    data={"name": "Petrov", "company": "Vostok", "email": "petrov@vostok.example"},
                )
                assert posted.status_code == 201, posted.text
                assert await run_pending(hub.app.state.services, DEPTH_LIMIT) == 1
                live = (await told.next())["notifications"]
        assert live["kind"] == "LEAD_ASSIGNED"
        (lead,) = (await admin.data(LEADS))["leads"]["edges"]
        lead_id = lead["node"]["id"]
        assert lead["node"]["assignedTo"] == {"email": first_in_turn}

        with smtp_server() as (inbox, port):
            config = config_for(settings, port)
            assert (await send_due(hub.app.state.services.session_factory, config)).sent == 1
        (mail,) = inbox.to(first_in_turn)
        assert live["text"] in mail.get_content()

        assert await hub.send() == 1
    (delivery,) = receiver.received
    assert delivery.json["kind"] == "LEAD_CREATED"
    assert delivery.json["subject"] == {"type": "Lead", "id": lead_id}
    assert verified(hook["secret"], delivery.headers["Crmhub-Signature"], delivery.body)


async def test_a_rule_mails_a_new_lead_from_a_template_once(settings: Settings, seed: Seed) -> None:
    async with running(settings) as hub:
        admin = hub.client.as_user(await hub.client.login(seed.admin.email))
        template = await admin.data(
            CREATE_TEMPLATE,
            {
                "input": {
                    "name": "Thanks",
                    "entity": "LEAD",
                    "subject": "Thank you, {{ record.lastName }}",
                    "body": "We have your request about {{ record.title }}.",
                }
            },
        )
        rule = await create_rule(
            admin,
            name="Thank new leads",
            trigger={"kind": "LEAD_CREATED"},
            actions=[{"kind": "SEND_EMAIL", "templateId": template["createMailTemplate"]["id"]}],
        )
        form = await create_form(admin, seed)
        posted = await hub.client.http.post(
            form["submitPath"], json={"name": "Sidorov", "email": "sidorov@example.com"}
        )
        assert posted.status_code == 201
        services = hub.app.state.services
        assert await run_pending(services, DEPTH_LIMIT) == 1
        assert await run_pending(services, DEPTH_LIMIT) == 0
        (run,) = await runs(admin, rule)
        assert run["status"] == "DONE" and len(run["createdIds"]) == 1

        with smtp_server() as (inbox, port):
            assert (await send_due(services.session_factory, config_for(settings, port))).sent == 1
    (mail,) = inbox.to("sidorov@example.com")
    assert mail["Subject"] == "Thank you, Sidorov"


@pytest.mark.parametrize(
    ("trigger", "template_entity", "message"),
    [
        ({"kind": "LEAD_CREATED"}, "CONTACT", "for contacts, not leads"),
        ({"kind": "DEAL_STAGE_ENTERED", "semantics": "SUCCESS"}, "CONTACT", "Mail goes to"),
    ],
)
async def test_a_rule_mailing_with_the_wrong_template_or_entity_is_refused(
    settings: Settings,
    seed: Seed,
    trigger: dict[str, str],
    template_entity: str,
    message: str,
) -> None:
    async with running(settings) as hub:
        admin = hub.client.as_user(await hub.client.login(seed.admin.email))
        template = await admin.data(
            CREATE_TEMPLATE,
            {
                "input": {
                    "name": "Hello",
                    "entity": template_entity,
                    "subject": "Hello",
                    "body": "Hello {{ record.name }}",
                }
            },
        )
        answer = await admin.request(
            CREATE_RULE,
            {
                "input": {
                    "name": "Mail",
                    "trigger": trigger,
                    "actions": [
                        {"kind": "SEND_EMAIL", "templateId": template["createMailTemplate"]["id"]}
                    ],
                }
            },
        )
    assert (answer.code, answer.error_field) == ("BAD_USER_INPUT", "actions.0.templateId")
    assert message in answer.errors[0]["message"]
