"""A lead status hidden by a field rule is not told by the fields that reveal it: a converted
lead's conversion time and its links to what it became, nor filters on them from either end."""

from __future__ import annotations

from typing import Any

from tests.client import GraphQLClient
from tests.leaks.conftest import LogIn
from tests.leaks.test_hidden_field_side_doors import _hide, _refused

CREATE_LEAD = "mutation($input: LeadInput!) { createLead(input: $input) { id } }"
CONVERT = """mutation($id: ID!) {
  convertLead(id: $id, input: {createContact: true, createCompany: true, createDeal: true}) {
    lead { id } } }"""
LEAD = """query($id: ID!) { node(id: $id) { ... on Lead {
  status { id } convertedAt contact { id } company { id } deal { id } } } }"""
UPDATE_STATUS = """mutation($id: ID!, $status: ID!) {
  updateLead(id: $id, input: {statusId: $status}) { id } }"""
STATUSES = "{ leadStatuses { id semantics } }"
CONVERSIONS = "{ feed(first: 10, kinds: [LEAD_CONVERTED]) { edges { node { changes } } } }"
LEAD_EVENTS = """{ feed(first: 20) { edges { node {
  kind changes subject { ... on Node { id } } } } } }"""


async def _converted_lead(maria: GraphQLClient) -> str:
    input = {"title": "Enquiry", "firstName": "Olga", "companyTitle": "Olga's Bakery"}
    lead: str = (await maria.data(CREATE_LEAD, {"input": input}))["createLead"]["id"]
    await maria.data(CONVERT, {"id": lead})
    return lead


async def _lead(user: GraphQLClient, lead: str) -> dict[str, Any]:
    node: dict[str, Any] = (await user.data(LEAD, {"id": lead}))["node"]
    return node


async def test_a_hidden_status_hides_the_conversion_and_its_links(demo: LogIn) -> None:
    maria = await demo("maria.ivanova@example.com")
    lead = await _converted_lead(maria)
    shown = await _lead(maria, lead)
    assert all(shown[name] is not None for name in shown), shown

    await _hide(await demo("admin@example.com"), "LEAD", "status")
    assert await _lead(maria, lead) == dict.fromkeys(shown)


async def test_a_hidden_status_refuses_filters_on_the_conversion(demo: LogIn) -> None:
    maria = await demo("maria.ivanova@example.com")
    lead = await _converted_lead(maria)
    await _hide(await demo("admin@example.com"), "LEAD", "status")
    await _refused(
        maria,
        "{ leads(filter: {convertedAt: {isNull: false}}) { totalCount } }",
        "filter.convertedAt",
    )
    for records in ("contacts", "companies", "deals"):
        await _refused(
            maria,
            f"query($l: ID!) {{ {records}(filter: {{sourceLeadId: {{eq: $l}}}}) {{totalCount}} }}",
            "filter.sourceLeadId",
            l=lead,
        )


async def test_a_hidden_status_hides_the_links_in_the_conversion_event(demo: LogIn) -> None:
    maria = await demo("maria.ivanova@example.com")
    lead = await _converted_lead(maria)
    links = {"statusId", "contactId", "companyId", "dealId"}
    (shown,) = (await maria.data(CONVERSIONS))["feed"]["edges"]
    assert set(shown["node"]["changes"]) >= links

    await _hide(await demo("admin@example.com"), "LEAD", "status")
    # The kind itself tells a conversion: asking for it is refused, and the event shows as
    # a plain update of the lead.
    await _refused(maria, CONVERSIONS, "kinds")
    (event,) = [
        edge["node"]
        for edge in (await maria.data(LEAD_EVENTS))["feed"]["edges"]
        if edge["node"]["subject"] == {"id": lead} and edge["node"]["kind"] != "LEAD_CREATED"
    ]
    assert event["kind"] == "LEAD_UPDATED"
    assert not set(event["changes"]) & links, event


async def test_a_hidden_status_is_not_told_by_status_changes(demo: LogIn) -> None:
    maria = await demo("maria.ivanova@example.com")
    converted = await _converted_lead(maria)
    input = {"title": "Another enquiry"}
    open_lead = (await maria.data(CREATE_LEAD, {"input": input}))["createLead"]["id"]
    statuses = (await maria.data(STATUSES))["leadStatuses"]
    status = next(s["id"] for s in statuses if s["semantics"] == "PROCESS")
    await _hide(await demo("admin@example.com"), "LEAD", "status")
    # A converted lead and an open one answer alike: neither says which is converted.
    for lead in (converted, open_lead):
        await _refused(maria, CONVERT, "status", id=lead)
        await _refused(maria, UPDATE_STATUS, "status", id=lead, status=status)
