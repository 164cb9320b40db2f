"""Notifications by e-mail, for those who choose it: IMMEDIATE mails each one as it is made,
DIGEST one message of the unread ones per interval, NONE nothing."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from crmhub.mail import mail_config
from crmhub.settings import Settings
from models import SessionFactory, utcnow
from resolvers.mail.config import SmtpConfig
from resolvers.mail.notices import queue_digests
from resolvers.mail.outbox import send_due
from schema.relay import encode_id
from tests.client import GraphQLClient
from tests.factories import Seed
from tests.integrations.smtp_server import smtp_server

SET_MODE = "mutation($m: EmailNotifications!) { setEmailNotifications(mode: $m) }"
CREATE_CONTACT = "mutation($input: ContactInput!) { createContact(input: $input) { id } }"


async def assign_contact(admin: GraphQLClient, name: str, user_id: int) -> None:
    """The user is told (CONTACT_ASSIGNED): someone else made them responsible."""
    variables = {"lastName": name, "assignedToId": encode_id("User", user_id)}
    await admin.data(CREATE_CONTACT, {"input": variables})


async def test_immediate_digest_and_none(
    admin: GraphQLClient,
    member: GraphQLClient,
    client: GraphQLClient,
    seed: Seed,
    settings: Settings,
    session_factory: SessionFactory,
) -> None:
    head = client.as_user(await client.login(seed.head.email))
    assert (await member.data("{ emailNotifications }"))["emailNotifications"] == "NONE"
    await member.data(SET_MODE, {"m": "IMMEDIATE"})
    await head.data(SET_MODE, {"m": "DIGEST"})
    assert (await member.data("{ emailNotifications }"))["emailNotifications"] == "IMMEDIATE"

    await assign_contact(admin, "Petrov", seed.member.id)
    await assign_contact(admin, "Sidorov", seed.head.id)
    await assign_contact(admin, "Ivanov", seed.head.id)
    await assign_contact(admin, "Kuznetsov", seed.admin.id)  # the actor: never told

    with smtp_server() as (inbox, port):
        smtp = SmtpConfig(host="127.0.0.1", port=port, security="none")
        config = dataclasses.replace(mail_config(settings), smtp=smtp)
        # Before the interval: no digest yet; the immediate one goes at once.
        assert await queue_digests(session_factory, config) == 0
        assert (await send_due(session_factory, config)).sent == 1
        [immediate] = inbox.to("member@example.com")
        told = "Ada Admin assigned a contact to you"
        assert immediate["Subject"] == f"crmhub: {told}" and told in immediate.get_content()

        later = utcnow() + config.digest_interval + timedelta(minutes=1)
        assert await queue_digests(session_factory, config, now=later) == 1
        assert await queue_digests(session_factory, config, now=later) == 0  # taken once
        assert (await send_due(session_factory, config, now=later)).sent == 1
        [digest] = inbox.to("head@example.com")
        body = digest.get_content()
        assert body.count(f"- {told}") == 2  # the head's two, not the member's

        # Read notifications are left out of the next digest; with none unread, none is sent.
        await head.data("mutation { markNotificationsRead(all: true) }")
        next_round = later + config.digest_interval + timedelta(minutes=1)
        assert await queue_digests(session_factory, config, now=next_round) == 0

        # Back to NONE: nothing more by e-mail.
        await member.data(SET_MODE, {"m": "NONE"})
        await assign_contact(admin, "Smirnov", seed.member.id)
        assert (await send_due(session_factory, config, now=next_round)).sent == 0
    assert len(inbox.to("member@example.com")) == 1
    assert inbox.to("admin@example.com") == []
