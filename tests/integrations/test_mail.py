"""E-mail through a real SMTP server on loopback: templates rendered per record with only
the fields the sender may read, mass mail to a filtered list with unsubscribe links that
later sends honour, an EMAIL activity per message sent, retries while the server is down,
and records the sender cannot read never mailed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from crmhub.settings import Settings
from models import AccessAction, AccessLevel, FieldRuleKind, SessionFactory, utcnow
from models.crm import CrmEntity
from resolvers.mail.outbox import send_due
from schema.relay import encode_id
from tests.client import GraphQLClient
from tests.conftest import logged_in
from tests.factories import Seed, grant_role
from tests.integrations.mail_api import (
    ACTIVITIES,
    CREATE_TEMPLATE,
    MAILINGS,
    MASS,
    OUTBOX,
    SEND,
    TEMPLATE,
    config_for,
    contact,
    template,
)
from tests.integrations.smtp_server import Inbox, free_port, smtp_server


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as server:
        yield server


async def test_mass_mail_is_personalised_logged_and_unsubscribable(
    admin: GraphQLClient,
    settings: Settings,
    session_factory: SessionFactory,
    smtp: tuple[Inbox, int],
) -> None:
    inbox, port = smtp
    anna = await contact(admin, "Anna", "Anna@Example.com", position="CFO")
    boris = await contact(admin, "Boris", "boris@example.com", position="CEO")
    await contact(admin, "Clara", None)
    await contact(admin, "Dmitri", "dmitri@example.com", lastName="Other")
    template_id = await template(admin)

    only_test = {"lastName": {"eq": "Test"}}
    mass = {"templateId": template_id, "contactFilter": only_test}
    mailing = (await admin.data(MASS, {"input": mass}))["sendMassEmail"]
    assert (mailing["queued"], mailing["skippedNoAddress"], mailing["skippedUnsubscribed"]) == (
        2,
        1,
        0,
    )
    assert mailing["author"] == {"email": "admin@example.com"}
    assert inbox.messages == []  # queued, not sent: the worker sends

    done = await send_due(session_factory, config_for(settings, port))
    assert (done.sent, done.failed) == (2, 0)
    [to_anna] = inbox.to("anna@example.com")
    [to_boris] = inbox.to("boris@example.com")
    assert to_anna["Subject"] == "Hello Anna" and to_boris["Subject"] == "Hello Boris"
    assert to_anna["From"] == "hub@example.com"
    body = to_anna.get_content()
    assert "Dear Anna Test (CFO)," in body and "from Ada Admin" in body
    link = to_anna["List-Unsubscribe"].strip("<>")
    assert link.startswith("http://127.0.0.1:8000/unsubscribe/") and link in body
    assert to_anna["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert to_boris["List-Unsubscribe"] != to_anna["List-Unsubscribe"]

    # Each message sent is an outgoing, completed EMAIL activity on its record.
    activities = [edge["node"] for edge in (await admin.data(ACTIVITIES))["activities"]["edges"]]
    logged = {a["owners"][0]["id"]: a for a in activities if a["kind"] == "EMAIL"}
    assert set(logged) == {anna, boris}
    assert logged[anna]["subject"] == "Hello Anna" and "Dear Anna" in logged[anna]["description"]
    assert logged[anna]["direction"] == "OUTGOING" and logged[anna]["completed"]
    assert logged[anna]["createdBy"] == {"email": "admin@example.com"}
    [listed] = (await admin.data(MAILINGS))["mailings"]["edges"]
    assert listed["node"]["sent"] == 2
    outbox = (await admin.data(OUTBOX))["outboxMessages"]
    assert {edge["node"]["status"] for edge in outbox["edges"]} == {"SENT"}
    assert {edge["node"]["mailingId"] for edge in outbox["edges"]} == {mailing["id"]}

    # The link: GET only asks (scanners open links), POST records it.
    path = link.removeprefix("http://127.0.0.1:8000")
    page = await admin.http.get(path)
    assert page.status_code == 200 and "anna@example.com" in page.text
    assert (await admin.http.get("/unsubscribe/no-such-token")).status_code == 404
    again = (await admin.data(MASS, {"input": mass}))["sendMassEmail"]
    assert (again["queued"], again["skippedUnsubscribed"]) == (2, 0)
    one_click = await admin.http.post(path, content="List-Unsubscribe=One-Click")
    assert one_click.status_code == 200 and "anna@example.com" in one_click.text
    assert (await admin.http.post(path)).status_code == 200  # again: no harm
    later = (await admin.data(MASS, {"input": mass}))["sendMassEmail"]
    assert (later["queued"], later["skippedUnsubscribed"], later["skippedNoAddress"]) == (1, 1, 1)
    await send_due(session_factory, config_for(settings, port))
    assert len(inbox.to("anna@example.com")) == 2  # the first two mailings only
    assert len(inbox.to("boris@example.com")) == 3


async def test_hidden_fields_render_empty_and_unreadable_records_get_nothing(
    admin: GraphQLClient,
    client: GraphQLClient,
    seed: Seed,
    settings: Settings,
    session_factory: SessionFactory,
    smtp: tuple[Inbox, int],
) -> None:
    inbox, port = smtp
    await grant_role(
        session_factory,
        "Own contacts, no positions",
        {
            (CrmEntity.CONTACT, AccessAction.READ): AccessLevel.OWN,
            (CrmEntity.CONTACT, AccessAction.UPDATE): AccessLevel.OWN,
        },
        user=seed.member,
        field_rules={(CrmEntity.CONTACT, "position"): FieldRuleKind.HIDDEN},
    )
    member = await logged_in(client, seed.member.email)
    own = await contact(
        admin,
        "Mila",
        "mila@example.com",
        position="Secret title",
        assignedToId=encode_id("User", seed.member.id),
    )
    others = await contact(admin, "Oleg", "oleg@example.com", position="Director")
    template_id = await template(member)

    mailing = await member.data(MASS, {"input": {"templateId": template_id, "contactFilter": {}}})
    assert mailing["sendMassEmail"]["queued"] == 1
    refused = await member.request(SEND, {"input": {"templateId": template_id, "recordId": others}})
    assert (refused.code, refused.error_field) == ("NOT_FOUND", "recordId")
    single = await member.data(SEND, {"input": {"templateId": template_id, "recordId": own}})
    assert single["sendEmail"]["recordId"] == own
    assert "Secret title" not in single["sendEmail"]["body"]

    await send_due(session_factory, config_for(settings, port))
    assert inbox.to("oleg@example.com") == []
    mails = inbox.to("mila@example.com")
    assert len(mails) == 2
    for mail in mails:
        body = mail.get_content()
        assert "Dear Mila Test ()," in body and "Secret title" not in body
    # The admin, who sees the position, would have sent it.
    await admin.data(SEND, {"input": {"templateId": template_id, "recordId": own}})
    await send_due(session_factory, config_for(settings, port))
    assert "Secret title" in inbox.to("mila@example.com")[-1].get_content()
    # Each sees their own messages; the admin all.
    assert (await member.data(OUTBOX))["outboxMessages"]["totalCount"] == 2
    assert (await admin.data(OUTBOX))["outboxMessages"]["totalCount"] == 3


async def test_a_message_is_retried_with_backoff_until_the_server_takes_it(
    admin: GraphQLClient,
    settings: Settings,
    session_factory: SessionFactory,
) -> None:
    port = free_port()
    config = config_for(settings, port, retry_base=timedelta(seconds=60), max_attempts=3)
    template_id = await template(admin)
    anna = await contact(admin, "Anna", "anna@example.com")
    await admin.data(SEND, {"input": {"templateId": template_id, "recordId": anna}})

    down = await send_due(session_factory, config)  # nothing listens on the port
    assert (down.sent, down.retried) == (0, 1)
    [message] = [edge["node"] for edge in (await admin.data(OUTBOX))["outboxMessages"]["edges"]]
    assert message["status"] == "QUEUED" and message["attempts"] == 1 and message["lastError"]
    assert (await send_due(session_factory, config)).retried == 0  # not due before its delay

    with smtp_server(port) as (inbox, _):
        later = utcnow() + timedelta(seconds=61)
        assert (await send_due(session_factory, config, now=later)).sent == 1
    assert [mail["Subject"] for mail in inbox.to("anna@example.com")] == ["Hello Anna"]
    [message] = [edge["node"] for edge in (await admin.data(OUTBOX))["outboxMessages"]["edges"]]
    assert message["status"] == "SENT" and message["attempts"] == 2 and message["sentAt"]


async def test_a_message_fails_for_good_after_its_attempts(
    admin: GraphQLClient, settings: Settings, session_factory: SessionFactory
) -> None:
    config = config_for(settings, free_port(), retry_base=timedelta(seconds=1), max_attempts=2)
    template_id = await template(admin)
    await contact(admin, "Anna", "anna@example.com")
    mass = {"templateId": template_id, "contactFilter": {}}
    mailing = (await admin.data(MASS, {"input": mass}))["sendMassEmail"]
    assert (await send_due(session_factory, config)).retried == 1
    later = utcnow() + timedelta(seconds=5)
    assert (await send_due(session_factory, config, now=later)).failed == 1
    [message] = [edge["node"] for edge in (await admin.data(OUTBOX))["outboxMessages"]["edges"]]
    assert (message["status"], message["attempts"]) == ("FAILED", 2)
    [listed] = (await admin.data(MAILINGS))["mailings"]["edges"]
    assert listed["node"]["id"] == mailing["id"] and listed["node"]["failed"] == 1
    # A failed message is not tried again.
    assert (await send_due(session_factory, config, now=later + timedelta(hours=1))).failed == 0
    activities = (await admin.data(ACTIVITIES))["activities"]["edges"]
    assert activities == []


async def test_a_refused_recipient_fails_at_once(
    admin: GraphQLClient,
    settings: Settings,
    session_factory: SessionFactory,
    smtp: tuple[Inbox, int],
) -> None:
    inbox, port = smtp
    inbox.refused.add("gone@example.com")
    template_id = await template(admin)
    await contact(admin, "Gone", "gone@example.com")
    await contact(admin, "Here", "here@example.com")
    mass = {"templateId": template_id, "contactFilter": {}}
    await admin.data(MASS, {"input": mass})
    done = await send_due(session_factory, config_for(settings, port))
    assert (done.sent, done.failed, done.retried) == (1, 1, 0)
    messages = [edge["node"] for edge in (await admin.data(OUTBOX))["outboxMessages"]["edges"]]
    status = {message["recipient"]: message for message in messages}
    assert status["gone@example.com"]["status"] == "FAILED"
    assert "550" in status["gone@example.com"]["lastError"]
    assert status["here@example.com"]["status"] == "SENT"
    [listed] = (await admin.data(MAILINGS))["mailings"]["edges"]
    assert (listed["node"]["sent"], listed["node"]["failed"]) == (1, 1)
    counted = """query($m: ID) { failed: outboxMessages(status: FAILED) { totalCount }
      ofMailing: outboxMessages(mailingId: $m) { totalCount }
      queuedOfMailing: outboxMessages(mailingId: $m, status: QUEUED) { totalCount } }"""
    counts = await admin.data(counted, {"m": listed["node"]["id"]})
    assert {name: count["totalCount"] for name, count in counts.items()} == {
        "failed": 1,
        "ofMailing": 2,
        "queuedOfMailing": 0,
    }


async def test_mail_to_a_record_deleted_meanwhile_is_not_sent(
    admin: GraphQLClient,
    settings: Settings,
    session_factory: SessionFactory,
    smtp: tuple[Inbox, int],
) -> None:
    inbox, port = smtp
    template_id = await template(admin)
    gone = await contact(admin, "Gone", "gone@example.com")
    await admin.data(SEND, {"input": {"templateId": template_id, "recordId": gone}})
    await admin.data("mutation($id: ID!) { deleteContact(id: $id) }", {"id": gone})
    done = await send_due(session_factory, config_for(settings, port))
    assert (done.sent, done.failed) == (0, 1)
    assert inbox.messages == []
    [message] = [edge["node"] for edge in (await admin.data(OUTBOX))["outboxMessages"]["edges"]]
    assert message["status"] == "FAILED" and "deleted" in message["lastError"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"body": "{{ record.salary }}"}, "body"),
        ({"body": "{% if record.firstName %}never closed"}, "body"),
        ({"subject": "{{ ''.__class__.__mro__ }}"}, "subject"),
        ({"subject": "{{ record.firstName | no_such_filter }}"}, "subject"),
        # Beyond mail merge: loops, calls, arithmetic, costly filters.
        (
            {"body": "{% for i in range(99) %}{% for j in range(99) %}x{% endfor %}{% endfor %}"},
            "body",
        ),
        ({"body": "{{ record.firstName.ljust(999999999) }}"}, "body"),
        ({"body": "{{ 'x' * 999999999 }}"}, "body"),
        ({"body": "{{ record.firstName | center(999999999) }}"}, "body"),
        ({"body": "{{ record.firstName | truncate(999999999) }}"}, "body"),
        ({"subject": "   "}, "subject"),
        ({"name": ""}, "name"),
    ],
)
async def test_templates_that_do_not_render_are_refused_when_saved(
    admin: GraphQLClient, changes: dict[str, str], field: str
) -> None:
    answer = await admin.request(CREATE_TEMPLATE, {"input": TEMPLATE | changes})
    assert (answer.code, answer.error_field) == ("BAD_USER_INPUT", field)
    assert (await admin.data("{ mailTemplates { totalCount } }"))["mailTemplates"][
        "totalCount"
    ] == 0


async def test_mail_merge_templates_may_branch_and_filter(admin: GraphQLClient) -> None:
    body = (
        "{% if record.position is defined and record.position %}"
        "{{ record.position | upper }}{% else %}{{ record.name | title | default('Sir') }}"
        "{% endif %} {{ record.lastName ~ '!' if record.lastName else '' }}"
        " {{ record['firstName'] | truncate(20) }}"
    )
    created = await admin.data(CREATE_TEMPLATE, {"input": TEMPLATE | {"body": body}})
    assert created["createMailTemplate"]["name"] == TEMPLATE["name"]


async def test_bad_sends_are_refused_with_their_field(admin: GraphQLClient) -> None:
    template_id = await template(admin)
    lead_template = await template(
        admin, entity="LEAD", subject="Hi {{ record.title }}", body="{{ record.companyTitle }}"
    )
    silent = await contact(admin, "Clara", None)
    anna = await contact(admin, "Anna", "anna@example.com")
    cases = [
        (SEND, {"templateId": template_id, "recordId": silent}, "BAD_USER_INPUT", "recordId"),
        (SEND, {"templateId": lead_template, "recordId": anna}, "BAD_USER_INPUT", "templateId"),
        (
            SEND,
            {"templateId": template_id, "recordId": encode_id("Deal", 1)},
            "BAD_USER_INPUT",
            "recordId",
        ),
        (
            SEND,
            {"templateId": encode_id("MailTemplate", 999_999), "recordId": anna},
            "NOT_FOUND",
            "templateId",
        ),
        (MASS, {"templateId": template_id}, "BAD_USER_INPUT", "contactFilter"),
        (
            MASS,
            {"templateId": template_id, "contactFilter": {}, "leadFilter": {}},
            "BAD_USER_INPUT",
            "contactFilter",
        ),
        (MASS, {"templateId": template_id, "leadFilter": {}}, "BAD_USER_INPUT", "templateId"),
    ]
    for query, variables, code, field in cases:
        answer = await admin.request(query, {"input": variables})
        assert (answer.code, answer.error_field) == (code, field), variables
        assert "999999" not in str(answer.errors)
