"""A link between two records shows from both ends (a contact's companies are the companies'
contacts; a deal's source lead is the lead's deal): a rule hiding the link on one record
hides it when read from the other."""

from __future__ import annotations

from typing import Any

from tests.leaks.conftest import LogIn
from tests.leaks.test_hidden_field_side_doors import _hide

CONTACT_COMPANIES = """{ contacts(first: 100) {
  edges { node { id companies { id contacts { id } } } } } }"""
DEAL_COMPANIES = """{ deals(first: 100) {
  edges { node { id company { id deals { id } } } } } }"""
CONVERTED_LEADS = """{ leads(first: 100) {
  edges { node { id deal { id sourceLead { id } } contact { id sourceLead { id } } } } } }"""
SOURCE_LEADS = """{ deals(first: 100) { edges { node { id sourceLead { id deal { id } } } } } }"""


def _nodes(answer: dict[str, Any], field: str) -> list[dict[str, Any]]:
    return [edge["node"] for edge in answer[field]["edges"]]


async def test_a_company_hiding_its_contacts_is_not_among_a_contacts_companies(
    demo: LogIn,
) -> None:
    maria = await demo("maria.ivanova@example.com")
    before = _nodes(await maria.data(CONTACT_COMPANIES), "contacts")
    assert any(contact["companies"] for contact in before), "the demo links contacts"
    await _hide(await demo("admin@example.com"), "COMPANY", "contacts")
    after = _nodes(
        await (await demo("maria.ivanova@example.com")).data(CONTACT_COMPANIES), "contacts"
    )
    assert [contact["companies"] for contact in after] == [[] for _ in after]


async def test_a_company_hiding_its_deals_is_not_a_deals_company(demo: LogIn) -> None:
    maria = await demo("maria.ivanova@example.com")
    before = _nodes(await maria.data(DEAL_COMPANIES), "deals")
    assert any(deal["company"] for deal in before), "the demo gives deals companies"
    await _hide(await demo("admin@example.com"), "COMPANY", "deals")
    after = _nodes(await (await demo("maria.ivanova@example.com")).data(DEAL_COMPANIES), "deals")
    assert [deal["company"] for deal in after] == [None for _ in after]


async def test_a_hidden_lead_status_hides_the_lead_as_a_records_source(demo: LogIn) -> None:
    """The deal a lead was converted into tells that the lead was converted: its status."""
    admin = await demo("admin@example.com")
    await _convert_a_lead(admin)
    maria = await demo("maria.ivanova@example.com")
    before = _nodes(await maria.data(SOURCE_LEADS), "deals")
    assert any(deal["sourceLead"] for deal in before), "maria reads a converted lead's deal"
    await _hide(admin, "LEAD", "status")
    after = _nodes(await (await demo("maria.ivanova@example.com")).data(SOURCE_LEADS), "deals")
    assert [deal["sourceLead"] for deal in after] == [None for _ in after]


async def test_a_leads_own_links_are_unchanged_by_the_rule_of_the_other_end(
    demo: LogIn,
) -> None:
    """No rule names a record's ``sourceLead``: the lead's side alone decides."""
    admin = await demo("admin@example.com")
    await _convert_a_lead(admin)
    await _hide(admin, "DEAL", "title")
    maria = await demo("maria.ivanova@example.com")
    leads = _nodes(await maria.data(CONVERTED_LEADS), "leads")
    linked = [lead for lead in leads if lead["deal"]]
    assert linked, "maria reads a converted lead and its deal"
    assert all(lead["deal"]["sourceLead"] == {"id": lead["id"]} for lead in linked)


CONVERT = """mutation($lead: ID!) {
  convertLead(id: $lead, input: {createDeal: true, createContact: true}) { deal { id } }
}"""
LEADS = "{ leads(first: 100) { edges { node { id convertedAt assignedTo { email } } } } }"


async def _convert_a_lead(admin: Any) -> None:
    """Converts a lead of Maria's that is not converted yet."""
    leads = _nodes(await admin.data(LEADS), "leads")
    lead = next(
        lead
        for lead in leads
        if lead["convertedAt"] is None
        and (lead["assignedTo"] or {}).get("email") == "maria.ivanova@example.com"
    )
    await admin.data(CONVERT, {"lead": lead["id"]})


CONTACTS = "{ contacts(first: 1) { edges { node { id } } } }"
RELINK = """mutation($id: ID!, $companies: [ID!]) {
  updateContact(id: $id, input: {companyIds: $companies}) { id } }"""
CONTACT_HISTORY = """query($id: ID!) {
  node(id: $id) { ... on Contact { timeline(first: 20) { edges { node {
    kind field oldValue newValue } } } } }
  feed(first: 20) { edges { node { kind changes subject { ... on Node { id } } } } }
}"""


async def test_a_change_of_links_hidden_at_the_other_end_shows_no_ids(demo: LogIn) -> None:
    """A contact's change log names its companies: where a role of the viewer may hide a
    company's contacts, the ids are left out (the companies are not at hand to judge)."""
    admin = await demo("admin@example.com")
    maria = await demo("maria.ivanova@example.com")
    (contact,) = [node["id"] for node in _nodes(await maria.data(CONTACTS), "contacts")]
    (edge,) = (await maria.data("{ companies(first: 1) { edges { node { id } } } }"))["companies"][
        "edges"
    ]
    await admin.data(RELINK, {"id": contact, "companies": [edge["node"]["id"]]})
    assert _link_values(await maria.data(CONTACT_HISTORY, {"id": contact}), contact)

    await _hide(admin, "COMPANY", "contacts")
    maria = await demo("maria.ivanova@example.com")
    assert not _link_values(await maria.data(CONTACT_HISTORY, {"id": contact}), contact)


def _link_values(history: dict[str, Any], contact: str) -> list[Any]:
    """The company ids the contact's timeline and feed events show."""
    timeline = [edge["node"] for edge in history["node"]["timeline"]["edges"]]
    shown: list[Any] = [
        entry["newValue"]
        for entry in timeline
        if entry["field"] == "companyIds" and entry["newValue"]
    ]
    for edge in history["feed"]["edges"]:
        if edge["node"]["subject"] == {"id": contact}:
            shown += [
                edge["node"]["changes"][key]
                for key in ("companyIds",)
                if key in edge["node"]["changes"]
            ]
    return shown
