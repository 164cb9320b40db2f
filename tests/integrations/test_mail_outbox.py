"""The outbox around the mail itself: the worker every process runs, workers racing for the
same messages, leads as recipients, and who may change or see templates and messages."""

from __future__ import annotations

import asyncio
import dataclasses

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from crmhub.app import create_app
from crmhub.mail import mail_config
from crmhub.settings import Settings
from models import SessionFactory
from resolvers.mail.config import SmtpConfig
from resolvers.mail.outbox import send_due
from tests.client import GraphQLClient
from tests.conftest import logged_in
from tests.factories import Seed
from tests.integrations.mail_api import MASS, OUTBOX, SEND, contact, template
from tests.integrations.smtp_server import smtp_server

CREATE_LEAD = "mutation($input: LeadInput!) { createLead(input: $input) { id } }"
WAIT_SECONDS = 30


async def test_the_worker_of_a_process_with_an_smtp_host_sends_what_is_queued(
    settings: Settings, engine: AsyncEngine, seed: Seed
) -> None:
    with smtp_server() as (inbox, port):
        mailing = settings.model_copy(
            update={
                "smtp_host": "127.0.0.1",
                "smtp_port": port,
                "smtp_security": "none",
                "mail_poll_seconds": 0.05,
            }
        )
        app = create_app(mailing)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
            async with httpx.AsyncClient(transport=transport, base_url="http://crmhub.test") as h:
                admin = await logged_in(GraphQLClient(h), seed.admin.email)
                template_id = await template(admin)
                anna = await contact(admin, "Anna", "anna@example.com")
                await admin.data(SEND, {"input": {"templateId": template_id, "recordId": anna}})
                assert await asyncio.to_thread(inbox.received.wait, WAIT_SECONDS)
        [message] = inbox.to("anna@example.com")
        assert message["Subject"] == "Hello Anna"


async def test_racing_workers_send_each_message_once(
    admin: GraphQLClient, settings: Settings, session_factory: SessionFactory
) -> None:
    template_id = await template(admin)
    for index in range(12):
        await contact(admin, f"Person{index}", f"person{index}@example.com")
    mass = {"templateId": template_id, "contactFilter": {}}
    assert (await admin.data(MASS, {"input": mass}))["sendMassEmail"]["queued"] == 12
    with smtp_server() as (inbox, port):
        smtp = SmtpConfig(host="127.0.0.1", port=port, security="none")
        config = dataclasses.replace(mail_config(settings), smtp=smtp)
        await asyncio.gather(*(send_due(session_factory, config, limit=5) for _ in range(4)))
        while (await send_due(session_factory, config)).sent:
            pass
    recipients = [message["To"] for message in inbox.messages]
    assert sorted(recipients) == sorted(f"person{index}@example.com" for index in range(12))


async def test_leads_are_mailed_and_a_shared_address_gets_one_message(
    admin: GraphQLClient, settings: Settings, session_factory: SessionFactory
) -> None:
    lead_template = await template(
        admin,
        entity="LEAD",
        subject="About {{ record.title }}",
        body="{{ record.companyTitle }}: {{ record.email }}",
    )
    for title in ("Licences", "Support"):
        await admin.data(
            CREATE_LEAD,
            {
                "input": {
                    "title": title,
                    "companyTitle": "Ural Steel",
                    "communications": [{"kind": "EMAIL", "value": "buyer@uralsteel.example"}],
                }
            },
        )
    await admin.data(CREATE_LEAD, {"input": {"title": "Quiet", "companyTitle": "Nobody"}})
    mass = {"templateId": lead_template, "leadFilter": {"companyTitle": {"eq": "Ural Steel"}}}
    mailing = (await admin.data(MASS, {"input": mass}))["sendMassEmail"]
    assert (mailing["queued"], mailing["skippedNoAddress"]) == (1, 0)
    with smtp_server() as (inbox, port):
        smtp = SmtpConfig(host="127.0.0.1", port=port, security="none")
        config = dataclasses.replace(mail_config(settings), smtp=smtp)
        assert (await send_due(session_factory, config)).sent == 1
    [message] = inbox.to("buyer@uralsteel.example")
    assert message["Subject"].startswith("About ")
    assert "Ural Steel: buyer@uralsteel.example" in message.get_content()


UPDATE = """mutation($id: ID!, $input: MailTemplatePatch!) {
  updateMailTemplate(id: $id, input: $input) { id name subject } }"""
DELETE = "mutation($id: ID!) { deleteMailTemplate(id: $id) }"
TEMPLATES = "{ mailTemplates { totalCount edges { node { id name } } } }"


async def test_templates_are_shared_and_changed_by_their_author_or_an_admin(
    admin: GraphQLClient, member: GraphQLClient
) -> None:
    own = await template(member, name="Mine")
    theirs = await template(admin, name="The admin's")
    assert (await member.data(TEMPLATES))["mailTemplates"]["totalCount"] == 2
    node = await member.data("query($id: ID!) { node(id: $id) { id } }", {"id": theirs})
    assert node["node"] == {"id": theirs}

    renamed = await member.data(UPDATE, {"id": own, "input": {"name": "Still mine"}})
    assert renamed["updateMailTemplate"]["name"] == "Still mine"
    refused = await member.request(UPDATE, {"id": theirs, "input": {"name": "Taken"}})
    assert refused.code == "FORBIDDEN"
    assert (await member.request(DELETE, {"id": theirs})).code == "FORBIDDEN"
    broken = await admin.request(UPDATE, {"id": own, "input": {"subject": "{{ record.nope }}"}})
    assert (broken.code, broken.error_field) == ("BAD_USER_INPUT", "subject")
    assert (await admin.data(DELETE, {"id": own}))["deleteMailTemplate"] == own
    assert (await member.request(DELETE, {"id": own})).code == "NOT_FOUND"
    [left] = (await member.data(TEMPLATES))["mailTemplates"]["edges"]
    assert left["node"] == {"id": theirs, "name": "The admin's"}


async def test_messages_are_seen_by_their_author_and_admins_only(
    admin: GraphQLClient, member: GraphQLClient
) -> None:
    template_id = await template(admin)
    anna = await contact(admin, "Anna", "anna@example.com")
    sent = await admin.data(SEND, {"input": {"templateId": template_id, "recordId": anna}})
    message_id = sent["sendEmail"]["id"]
    assert (await member.data(OUTBOX))["outboxMessages"]["totalCount"] == 0
    hidden = await member.request("query($id: ID!) { node(id: $id) { id } }", {"id": message_id})
    assert hidden.is_null()
    assert (await admin.data(OUTBOX))["outboxMessages"]["totalCount"] == 1
