"""Duplicate detection looks into custom PHONE and EMAIL fields as into communications, but
never matches on a custom field hidden from the viewer."""

from __future__ import annotations

from models import AccessLevel, FieldRuleKind, SessionFactory
from models.crm import CrmEntity
from tests.client import GraphQLClient
from tests.conftest import logged_in
from tests.crm.custom_api import create_field, value
from tests.factories import Seed, every_action, grant_role

CREATE_CONTACT = """
mutation($input: ContactInput!) { createContact(input: $input) { id } }"""
CREATE_LEAD = "mutation($input: LeadInput!) { createLead(input: $input) { id } }"
DUPLICATES = """
query($phone: String, $email: String) {
  duplicates(phone: $phone, email: $email) { leads { title } contacts { lastName } }
}"""


async def test_custom_phones_and_emails_are_compared_normalised(
    admin: GraphQLClient, client: GraphQLClient, seed: Seed, session_factory: SessionFactory
) -> None:
    await create_field(admin, entity="CONTACT", code="UF_MOBILE", name="Mobile", kind="PHONE")
    await create_field(admin, entity="LEAD", code="UF_MAIL", name="Mail", kind="EMAIL")
    await create_field(admin, entity="LEAD", code="UF_NOTE", name="Note", kind="STRING")
    contact = {
        "lastName": "Ivanov",
        "customFields": [value("UF_MOBILE", string="+7 (495) 1234567")],
    }
    await admin.data(CREATE_CONTACT, {"input": contact})
    lead = {"title": "Web form", "customFields": [value("UF_MAIL", string="Ann@Example.com")]}
    await admin.data(CREATE_LEAD, {"input": lead})
    # The same text in a field of another kind is no e-mail.
    note = {"title": "Note", "customFields": [value("UF_NOTE", string="ann@example.com")]}
    await admin.data(CREATE_LEAD, {"input": note})

    found = await admin.data(DUPLICATES, {"phone": "8 495 123-45-67"})
    assert found["duplicates"] == {"leads": [], "contacts": [{"lastName": "Ivanov"}]}
    found = await admin.data(DUPLICATES, {"email": "ANN@example.com"})
    assert found["duplicates"] == {"leads": [{"title": "Web form"}], "contacts": []}

    # A reader from whom the mobile is hidden finds no duplicate through it.
    await grant_role(
        session_factory,
        "Reader",
        every_action(AccessLevel.ALL),
        user=seed.member,
        field_rules={(CrmEntity.CONTACT, "UF_MOBILE"): FieldRuleKind.HIDDEN},
    )
    reader = await logged_in(client, seed.member.email)
    found = await reader.data(DUPLICATES, {"phone": "+74951234567"})
    assert found["duplicates"]["contacts"] == []
    found = await reader.data(DUPLICATES, {"email": "ann@example.com"})
    assert found["duplicates"]["leads"] == [{"title": "Web form"}]
