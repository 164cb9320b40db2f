"""Issue #4 rules the table suite does not cover: the Intern (hidden amounts, no won deals),
stage moves, read-only fields, lead conversion and activities bound to several records."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from models import AccessAction, AccessLevel, FieldRuleKind, SessionFactory, User
from models.crm import (
    Activity,
    ActivityBinding,
    ActivityDirection,
    ActivityKind,
    Company,
    Contact,
    CrmEntity,
    Deal,
    Lead,
    TimelineEntry,
    TimelineKind,
)
from tests.client import GraphQLClient
from tests.conftest import logged_in
from tests.crm.access_table import PHONE, phone_of
from tests.crm.api import global_id
from tests.crm.factories import Dictionaries, dictionaries
from tests.factories import Seed, grant_role

READS = {(entity, AccessAction.READ): AccessLevel.OWN for entity in CrmEntity}


def _deal(found: Dictionaries, owner: User, stage: int, company: int | None = None) -> Deal:
    return Deal(
        title=f"zeta deal {stage}",
        pipeline_id=found.pipeline_id,
        stage_id=stage,
        amount=Decimal("1000.00"),
        currency="USD",
        company_id=company,
        assigned_to_id=owner.id,
        opened=True,
    )


async def _rows(session_factory: SessionFactory, *rows: Any) -> list[int]:
    async with session_factory() as session:
        for row in rows:
            session.add(row)
            await session.flush()
        await session.commit()
        return [int(row.id) for row in rows]


async def test_an_intern_sees_no_amounts_and_no_won_deals_by_any_path(
    client: GraphQLClient, session_factory: SessionFactory, seed: Seed
) -> None:
    found = await dictionaries(session_factory)
    won = found.stage_ids[-2]  # the default pipeline ends with Won, Lost
    intern = seed.member
    await grant_role(
        session_factory,
        "Intern",
        READS,
        user=intern,
        statuses={(CrmEntity.DEAL, AccessAction.READ, won): AccessLevel.NONE},
        field_rules={(CrmEntity.DEAL, "amount"): FieldRuleKind.HIDDEN},
    )
    (own_company, others_company) = await _rows(
        session_factory,
        Company(title="Intern's", assigned_to_id=intern.id, opened=False),
        Company(title="Someone else's", assigned_to_id=seed.head.id, opened=False),
    )
    open_deal, won_deal, linked_elsewhere = await _rows(
        session_factory,
        _deal(found, intern, found.stage_ids[0], own_company),
        _deal(found, intern, won, own_company),
        _deal(found, intern, found.stage_ids[1], others_company),
    )
    await _rows(
        session_factory,
        TimelineEntry(
            entity_type=CrmEntity.DEAL,
            entity_id=open_deal,
            kind=TimelineKind.FIELD_CHANGE,
            author_id=seed.head.id,
            field="amount",
            old_value="10.00",
            new_value="1000.00",
        ),
    )
    viewer = await logged_in(client, intern.email)
    visible = {global_id("Deal", open_deal), global_id("Deal", linked_elsewhere)}

    for filter in ("", '(filter: {search: "zeta"})'):
        data = await viewer.data(
            f"{{ deals{filter} {{ totalCount"
            " edges { node { id amount access { hiddenFields } } } } }"
        )
        nodes = [edge["node"] for edge in data["deals"]["edges"]]
        assert {node["id"] for node in nodes} == visible
        assert data["deals"]["totalCount"] == 2
        assert all(node["amount"] is None for node in nodes)
        assert all("amount" in node["access"]["hiddenFields"] for node in nodes)

    hidden = await viewer.request(
        "query($id: ID!) { node(id: $id) { id } }", {"id": global_id("Deal", won_deal)}
    )
    assert hidden.is_null()

    data = await viewer.data(
        """query($company: ID!, $deal: ID!) {
          company: node(id: $company) { ... on Company { deals { id amount } } }
          deal: node(id: $deal) { ... on Deal { amount company { id }
            timeline { edges { node { field oldValue newValue } } } } } }""",
        {"company": global_id("Company", own_company), "deal": global_id("Deal", open_deal)},
    )
    assert data["company"]["deals"] == [{"id": global_id("Deal", open_deal), "amount": None}]
    assert data["deal"]["amount"] is None
    assert data["deal"]["company"] == {"id": global_id("Company", own_company)}
    assert data["deal"]["timeline"]["edges"] == [
        {"node": {"field": "amount", "oldValue": None, "newValue": None}}
    ]
    # A visible deal's invisible company is null.
    data = await viewer.data(
        "query($id: ID!) { node(id: $id) { ... on Deal { company { id } } } }",
        {"id": global_id("Deal", linked_elsewhere)},
    )
    assert data["node"]["company"] is None

    # The search looks into the deal's company only when the company is readable.
    search = '{ deals(filter: {search: "SEARCH"}) { edges { node { id } } } }'
    data = await viewer.data(search.replace("SEARCH", "Intern's"))
    assert data["deals"]["edges"] == [{"node": {"id": global_id("Deal", open_deal)}}]
    data = await viewer.data(search.replace("SEARCH", "Someone else"))
    assert data["deals"]["edges"] == []

    # Filtering on the hidden amount would reveal it; ordering sorts hidden amounts apart.
    for arguments, field in (
        ('filter: {amount: {gt: "500"}}', "filter.amount"),
        ('filter: {or: [{amount: {eq: "1000"}}]}', "filter.amount"),
    ):
        refused = await viewer.request(f"{{ deals({arguments}) {{ totalCount }} }}")
        assert (refused.code, refused.error_field) == ("FORBIDDEN", field), arguments
    ordered = await viewer.data("{ deals(orderBy: [{field: AMOUNT}]) { edges { node { id } } } }")
    assert {edge["node"]["id"] for edge in ordered["deals"]["edges"]} == visible

    moved = await viewer.request(
        "mutation($id: ID!, $stage: ID!) { moveDeal(id: $id, stageId: $stage) { id } }",
        {"id": global_id("Deal", open_deal), "stage": global_id("DealStage", won)},
    )
    assert moved.code == "FORBIDDEN"  # the intern has no UPDATE at all


async def test_move_deal_needs_update_after_the_move_and_an_allowed_transition(
    client: GraphQLClient, session_factory: SessionFactory, seed: Seed
) -> None:
    found = await dictionaries(session_factory)
    won = found.stage_ids[-2]
    await grant_role(
        session_factory,
        "No updates once won",
        {
            (CrmEntity.DEAL, AccessAction.READ): AccessLevel.ALL,
            (CrmEntity.DEAL, AccessAction.UPDATE): AccessLevel.ALL,
        },
        user=seed.head,
        statuses={(CrmEntity.DEAL, AccessAction.UPDATE, won): AccessLevel.NONE},
    )
    (deal,) = await _rows(session_factory, _deal(found, seed.head, found.stage_ids[0]))
    viewer = await logged_in(client, seed.head.email)
    deal_id = global_id("Deal", deal)
    data = await viewer.data(
        "query($id: ID!) { node(id: $id) { ... on Deal { allowedStages { id } } } }",
        {"id": deal_id},
    )
    allowed = {stage["id"] for stage in data["node"]["allowedStages"]}
    assert global_id("DealStage", won) not in allowed
    assert global_id("DealStage", found.stage_ids[1]) in allowed

    move = "mutation($id: ID!, $stage: ID!) { moveDeal(id: $id, stageId: $stage) { id } }"
    refused = await viewer.request(move, {"id": deal_id, "stage": global_id("DealStage", won)})
    assert (refused.code, refused.error_field) == ("FORBIDDEN", "stageId")
    stage = global_id("DealStage", found.stage_ids[1])
    assert (await viewer.request(move, {"id": deal_id, "stage": stage})).errors == []


async def test_an_update_touching_a_read_only_field_is_refused_naming_it(
    client: GraphQLClient, session_factory: SessionFactory, seed: Seed
) -> None:
    found = await dictionaries(session_factory)
    await grant_role(
        session_factory,
        "Amount fixed",
        {
            (CrmEntity.DEAL, AccessAction.READ): AccessLevel.ALL,
            (CrmEntity.DEAL, AccessAction.UPDATE): AccessLevel.ALL,
        },
        user=seed.head,
        field_rules={(CrmEntity.DEAL, "amount"): FieldRuleKind.READ_ONLY},
    )
    (deal,) = await _rows(session_factory, _deal(found, seed.head, found.stage_ids[0]))
    viewer = await logged_in(client, seed.head.email)
    update = """mutation($id: ID!, $input: DealPatch!) {
      updateDeal(id: $id, input: $input) { title amount access { readOnlyFields canUpdate } } }"""
    deal_id = global_id("Deal", deal)
    refused = await viewer.request(update, {"id": deal_id, "input": {"amount": "5.00"}})
    assert (refused.code, refused.error_field) == ("FORBIDDEN", "amount")
    data = await viewer.data(update, {"id": deal_id, "input": {"title": "Renamed"}})
    assert data["updateDeal"] == {
        "title": "Renamed",
        "amount": "1000.00",
        "access": {"readOnlyFields": ["amount"], "canUpdate": True},
    }


async def test_convert_lead_needs_update_on_the_lead_and_create_for_what_it_makes(
    client: GraphQLClient, session_factory: SessionFactory, seed: Seed
) -> None:
    found = await dictionaries(session_factory)
    everything = {
        (entity, action): AccessLevel.ALL
        for entity in CrmEntity
        for action in (AccessAction.READ, AccessAction.CREATE, AccessAction.UPDATE)
    }
    await grant_role(
        session_factory,
        "No new contacts",
        everything | {(CrmEntity.CONTACT, AccessAction.CREATE): AccessLevel.NONE},
        user=seed.head,
    )
    leads = await _rows(
        session_factory,
        *(
            Lead(title=f"Lead {i}", status_id=found.status_ids[0], assigned_to_id=seed.head.id)
            for i in range(2)
        ),
    )
    viewer = await logged_in(client, seed.head.email)
    convert = """mutation($id: ID!, $input: ConvertLeadInput!) {
      convertLead(id: $id, input: $input) { deal { id } contact { id } } }"""
    refused = await viewer.request(
        convert, {"id": global_id("Lead", leads[0]), "input": {"createContact": True}}
    )
    assert refused.code == "FORBIDDEN"
    data = await viewer.data(
        convert, {"id": global_id("Lead", leads[0]), "input": {"createDeal": True}}
    )
    assert data["convertLead"]["deal"] is not None and data["convertLead"]["contact"] is None


async def test_convert_lead_without_update_on_it_is_forbidden(
    client: GraphQLClient, session_factory: SessionFactory, seed: Seed
) -> None:
    found = await dictionaries(session_factory)
    await grant_role(
        session_factory,
        "Reads and creates only",
        {
            (entity, action): AccessLevel.ALL
            for entity in CrmEntity
            for action in (AccessAction.READ, AccessAction.CREATE)
        },
        user=seed.head,
    )
    (lead,) = await _rows(
        session_factory, Lead(title="Lead", status_id=found.status_ids[0], assigned_to_id=None)
    )
    viewer = await logged_in(client, seed.head.email)
    refused = await viewer.request(
        "mutation($id: ID!) { convertLead(id: $id, input: {createDeal: true}) { deal { id } } }",
        {"id": global_id("Lead", lead)},
    )
    assert refused.code == "FORBIDDEN"


async def test_an_activity_is_visible_through_a_visible_record_and_lists_only_those(
    client: GraphQLClient, session_factory: SessionFactory, seed: Seed
) -> None:
    found = await dictionaries(session_factory)
    await grant_role(session_factory, "Own deals", READS, user=seed.head)
    own, others = await _rows(
        session_factory,
        _deal(found, seed.head, found.stage_ids[0]),
        _deal(found, seed.member, found.stage_ids[0]),
    )
    shared, hidden = await _rows(
        session_factory,
        Activity(kind=ActivityKind.CALL, subject="Shared", direction=ActivityDirection.NONE),
        Activity(kind=ActivityKind.CALL, subject="Hidden", direction=ActivityDirection.NONE),
    )
    async with session_factory() as session:
        session.add_all(
            [
                ActivityBinding(activity_id=shared, entity_type=CrmEntity.DEAL, entity_id=own),
                ActivityBinding(activity_id=shared, entity_type=CrmEntity.DEAL, entity_id=others),
                ActivityBinding(activity_id=hidden, entity_type=CrmEntity.DEAL, entity_id=others),
            ]
        )
        await session.commit()
    viewer = await logged_in(client, seed.head.email)
    data = await viewer.data(
        "{ activities { totalCount edges { node { subject owners { ... on Deal { id } } } } } }"
    )
    assert data["activities"]["totalCount"] == 1
    assert data["activities"]["edges"] == [
        {"node": {"subject": "Shared", "owners": [{"id": global_id("Deal", own)}]}}
    ]
    refused = await viewer.request(
        "query($id: ID!) { node(id: $id) { id } }", {"id": global_id("Activity", hidden)}
    )
    assert refused.is_null()


async def test_duplicates_do_not_match_on_hidden_communications(
    client: GraphQLClient, session_factory: SessionFactory, seed: Seed
) -> None:
    await grant_role(
        session_factory,
        "Contacts without phones",
        {(entity, AccessAction.READ): AccessLevel.ALL for entity in CrmEntity},
        user=seed.head,
        field_rules={(CrmEntity.CONTACT, "communications"): FieldRuleKind.HIDDEN},
    )
    contact, company = await _rows(
        session_factory, Contact(first_name="Kim", last_name="Lee"), Company(title="Acme")
    )
    await _rows(
        session_factory, phone_of(CrmEntity.CONTACT, contact), phone_of(CrmEntity.COMPANY, company)
    )
    viewer = await logged_in(client, seed.head.email)
    data = await viewer.data(
        "query($phone: String) { duplicates(phone: $phone) { contacts { id } companies { id } } }",
        {"phone": PHONE},
    )
    assert data["duplicates"] == {
        "contacts": [],
        "companies": [{"id": global_id("Company", company)}],
    }
    # The contacts' search reads their communications too: refused, not answered.
    refused = await viewer.request('{ contacts(filter: {search: "555"}) { totalCount } }')
    assert (refused.code, refused.error_field) == ("FORBIDDEN", "filter.search")
