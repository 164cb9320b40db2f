"""What the e-mail tests share: their operations, a template, records with addresses, and
the mail settings pointed at a test SMTP server."""

from __future__ import annotations

import dataclasses
from typing import Any

from crmhub.mail import mail_config
from crmhub.settings import Settings
from resolvers.mail.config import MailConfig, SmtpConfig
from tests.client import GraphQLClient

CREATE_TEMPLATE = """
mutation($input: MailTemplateInput!) {
  createMailTemplate(input: $input) { id name entity subject createdBy { email } }
}"""
CREATE_CONTACT = """
mutation($input: ContactInput!) { createContact(input: $input) { id } }"""
MASS = """
mutation($input: SendMassEmailInput!) {
  sendMassEmail(input: $input) {
    id queued sent failed skippedUnsubscribed skippedNoAddress author { email }
  }
}"""
SEND = """
mutation($input: SendEmailInput!) {
  sendEmail(input: $input) { id recipient subject body status recordId }
}"""
MAILINGS = "{ mailings { edges { node { id queued sent failed skippedUnsubscribed } } } }"
OUTBOX = """{ outboxMessages(first: 50) { totalCount edges { node {
  recipient subject status attempts lastError sentAt recordId mailingId } } } }"""
ACTIVITIES = """{ activities(first: 50) { edges { node {
  kind subject description direction completed createdBy { email }
  owners { ... on Contact { id } ... on Lead { id } } } } } }"""
TEMPLATE = {
    "name": "Spring offer",
    "entity": "CONTACT",
    "subject": "Hello {{ record.firstName }}",
    "body": "Dear {{ record.name }} ({{ record.position }}),\n"
    "our spring offer, from {{ sender.name }}.\n"
    "Leave the list: {{ unsubscribe_url }}\n",
}


def config_for(settings: Settings, port: int, **changes: Any) -> MailConfig:
    smtp = SmtpConfig(host="127.0.0.1", port=port, security="none", sender="hub@example.com")
    return dataclasses.replace(mail_config(settings), smtp=smtp, **changes)


async def contact(client: GraphQLClient, first: str, email: str | None, **extra: Any) -> str:
    communications = [] if email is None else [{"kind": "EMAIL", "value": email}]
    variables = {"firstName": first, "lastName": "Test", "communications": communications}
    data = await client.data(CREATE_CONTACT, {"input": variables | extra})
    contact_id: str = data["createContact"]["id"]
    return contact_id


async def template(client: GraphQLClient, **changes: Any) -> str:
    data = await client.data(CREATE_TEMPLATE, {"input": TEMPLATE | changes})
    template_id: str = data["createMailTemplate"]["id"]
    return template_id
