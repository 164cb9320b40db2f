"""Automation rules: a trigger on the event log, a condition, actions in the owner's rights;
each rule runs once per event however many runners read the log, and chains of rules stop
at the depth limit. The runner is driven by hand here (its background loop is off), so each
test knows when a pass is over."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from crmhub.database import create_engine, create_session_factory
from crmhub.settings import Settings
from models import AccessAction, AccessLevel, SessionFactory, User
from models.crm import CrmEntity
from resolvers.automation.runner import run_pending
from resolvers.context import Services
from schema.relay import encode_id
from tests.client import GraphQLClient
from tests.factories import Seed, grant_role, password_hash
from tests.integrations.automation_api import (
    FOLLOW_UP,
    create_rule,
    runs,
    tasks_of,
    won_deal,
)

DEPTH_LIMIT = 3
CREATE_LEAD = "mutation($input: LeadInput!) { createLead(input: $input) { id } }"
LEAD = "query($id: ID!) { node(id: $id) { ... on Lead { title assignedTo { email } } } }"
UPDATE_LEAD = "mutation($id: ID!, $t: String!) { updateLead(id: $id, input: {title: $t}) { id } }"
NOTIFICATIONS = "{ notifications(first: 20) { edges { node { kind text } } } }"


async def run_all(app: Starlette) -> int:
    """Passes until one finds nothing to do: actions' events may start further rules."""
    total = 0
    while logged := await run_pending(app.state.services, DEPTH_LIMIT):
        total += logged
    return total


@pytest.fixture
async def second_process(app: Starlette, settings: Settings) -> AsyncIterator[Services]:
    """Another runner over the same database, with an engine (a pool) of its own."""
    engine: AsyncEngine = create_engine(settings.database_url)
    try:
        yield Services(session_factory=create_session_factory(engine), auth=app.state.services.auth)
    finally:
        await engine.dispose()


async def new_member(session_factory: SessionFactory, seed: Seed, email: str) -> User:
    async with session_factory() as session:
        user = User(
            email=email,
            name=email.split("@")[0],
            position="",
            department_id=seed.north.id,
            is_admin=False,
            active=True,
            password_hash=password_hash(),
        )
        session.add(user)
        await session.commit()
        return user


async def test_new_leads_go_round_robin_to_a_departments_members_who_are_told(
    app: Starlette,
    client: GraphQLClient,
    admin: GraphQLClient,
    seed: Seed,
    session_factory: SessionFactory,
) -> None:
    second = await new_member(session_factory, seed, "second@example.com")
    await create_rule(
        admin,
        name="Route leads",
        trigger={"kind": "LEAD_CREATED"},
        actions=[
            {
                "kind": "ASSIGN",
                "strategy": "ROUND_ROBIN",
                "departmentId": encode_id("Department", seed.north.id),
            },
            {"kind": "NOTIFY", "text": "New lead for you: {title}"},
        ],
    )
    leads = [
        (await admin.data(CREATE_LEAD, {"input": {"title": title}}))["createLead"]["id"]
        for title in ("First", "Second", "Third")
    ]
    assert await run_all(app) == 3
    owners = [
        (await admin.data(LEAD, {"id": lead}))["node"]["assignedTo"]["email"] for lead in leads
    ]
    assert owners == [seed.member.email, second.email, seed.member.email]
    told = GraphQLClient(client.http, await client.login(second.email))
    texts = [
        edge["node"]["text"]
        for edge in (await told.data(NOTIFICATIONS))["notifications"]["edges"]
        if edge["node"]["kind"] == "AUTOMATION"
    ]
    assert texts == ["New lead for you: Second"]


async def test_a_won_deal_gets_one_follow_up_task_however_many_runners_see_it(
    app: Starlette, admin: GraphQLClient, seed: Seed, second_process: Services
) -> None:
    rule = await create_rule(admin, **FOLLOW_UP)
    deal = await won_deal(admin, "Rocket order")
    # Two processes' runners on the same event at once, then each again (a retry).
    logged = await asyncio.gather(
        run_pending(app.state.services, DEPTH_LIMIT), run_pending(second_process, DEPTH_LIMIT)
    )
    assert sorted(logged) == [0, 1]
    assert await run_pending(app.state.services, DEPTH_LIMIT) == 0
    assert await run_pending(second_process, DEPTH_LIMIT) == 0
    (task,) = await tasks_of(admin, deal)
    assert task["title"] == "Follow up: Rocket order"
    assert task["description"] == "Won for 0.00 USD"
    assert task["deadline"] is not None
    assert task["responsible"]["email"] == seed.admin.email
    (run,) = await runs(admin, rule)
    assert run["status"] == "DONE"
    assert run["createdIds"] == [task["id"]]


async def test_a_rule_that_triggers_itself_stops_at_the_depth_limit(
    app: Starlette, admin: GraphQLClient
) -> None:
    rule = await create_rule(
        admin,
        name="Exclaim",
        trigger={"kind": "FIELD_CHANGED", "entity": "LEAD", "field": "title"},
        actions=[{"kind": "SET_FIELD", "field": "title", "value": "{title}!"}],
    )
    lead = (await admin.data(CREATE_LEAD, {"input": {"title": "Hot"}}))["createLead"]["id"]
    await admin.data(UPDATE_LEAD, {"id": lead, "t": "Hotter"})
    assert await run_all(app) == DEPTH_LIMIT + 1
    assert (await admin.data(LEAD, {"id": lead}))["node"]["title"] == "Hotter!!!"
    log = await runs(admin, rule)  # newest first
    assert [run["status"] for run in log] == ["SKIPPED_DEPTH", "DONE", "DONE", "DONE"]
    assert f"rules stop at {DEPTH_LIMIT}" in log[0]["message"]


async def test_the_condition_picks_the_records_a_rule_acts_on(
    app: Starlette, admin: GraphQLClient
) -> None:
    rule = await create_rule(admin, **FOLLOW_UP, condition={"deal": {"title": {"contains": "big"}}})
    big = await won_deal(admin, "A BIG order")
    small = await won_deal(admin, "A small order")
    assert await run_all(app) == 1
    assert len(await tasks_of(admin, big)) == 1
    assert await tasks_of(admin, small) == []
    assert len(await runs(admin, rule)) == 1


async def test_an_owner_without_the_right_fails_the_run_and_nothing_is_done(
    app: Starlette,
    admin: GraphQLClient,
    member: GraphQLClient,
    seed: Seed,
    session_factory: SessionFactory,
) -> None:
    await grant_role(
        session_factory,
        "Lead reader",
        {(CrmEntity.LEAD, AccessAction.READ): AccessLevel.ALL},
        user=seed.member,
    )
    rule = await create_rule(
        admin,
        name="Rename",
        ownerId=encode_id("User", seed.member.id),
        trigger={"kind": "LEAD_CREATED"},
        actions=[
            {"kind": "NOTIFY", "text": "Renaming {title}"},
            {"kind": "SET_FIELD", "field": "title", "value": "Renamed"},
        ],
    )
    lead = (await admin.data(CREATE_LEAD, {"input": {"title": "Kept"}}))["createLead"]["id"]
    assert await run_all(app) == 1
    (run,) = await runs(admin, rule)
    assert run["status"] == "FAILED"
    assert run["message"].startswith("FORBIDDEN")
    assert (await admin.data(LEAD, {"id": lead}))["node"]["title"] == "Kept"
    # The notification of the first action went with the run.
    kinds = [e["node"]["kind"] for e in (await admin.data(NOTIFICATIONS))["notifications"]["edges"]]
    assert "AUTOMATION" not in kinds
    # Later events are not held up by the failure.
    await admin.data(CREATE_LEAD, {"input": {"title": "Next"}})
    assert await run_all(app) == 1
    assert len(await runs(admin, rule)) == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {"trigger": {"kind": "FIELD_CHANGED", "entity": "LEAD", "field": "nope"}},
            "trigger.field",
        ),
        ({"trigger": {"kind": "DEAL_STAGE_ENTERED"}}, "trigger.stageId"),
        ({"condition": {"lead": {"title": {"eq": "x"}}}}, "condition.lead"),
        ({"actions": []}, "actions"),
        ({"actions": [{"kind": "CREATE_TASK", "title": "{nope}"}]}, "actions.0.title"),
        ({"actions": [{"kind": "SET_FIELD", "field": "stageId", "value": 1}]}, "actions.0.field"),
        ({"actions": [{"kind": "SET_FIELD", "field": "amount", "value": "x"}]}, "actions.0.value"),
        # Fields no update sets (the repeat mark is the duplicate search's) are not a rule's.
        (
            {
                "trigger": {"kind": "LEAD_CREATED"},
                "actions": [{"kind": "SET_FIELD", "field": "isRepeat", "value": True}],
            },
            "actions.0.field",
        ),
        ({"actions": [{"kind": "ASSIGN", "strategy": "ROUND_ROBIN"}]}, "actions.0.departmentId"),
        ({"ownerId": encode_id("User", 999_999)}, "ownerId"),
    ],
)
async def test_bad_rules_are_refused_naming_the_field(
    admin: GraphQLClient, change: dict[str, object], field: str
) -> None:
    response = await admin.request(
        """mutation($input: AutomationRuleInput!) { createAutomationRule(input: $input) { id } }""",
        {"input": FOLLOW_UP | change},
    )
    assert response.code in ("BAD_USER_INPUT", "NOT_FOUND")
    assert response.error_field == field


async def test_only_admins_define_rules(member: GraphQLClient) -> None:
    response = await member.request(
        """mutation($input: AutomationRuleInput!) { createAutomationRule(input: $input) { id } }""",
        {"input": FOLLOW_UP},
    )
    assert response.code == "FORBIDDEN"
    assert (await member.request("{ automationRules { id } }")).code == "FORBIDDEN"


async def test_rules_read_back_as_they_were_written_and_can_be_redefined(
    admin: GraphQLClient, seed: Seed
) -> None:
    definition = {
        "name": "Big deals",
        "trigger": {"kind": "FIELD_CHANGED", "entity": "DEAL", "field": "amount"},
        "condition": {
            "deal": {
                "amount": {"gte": "1000"},
                "assignedToId": {"in": [encode_id("User", seed.member.id)]},
                "opened": True,
            }
        },
        "actions": [
            {
                "kind": "ASSIGN",
                "strategy": "LEAST_LOADED",
                "departmentId": encode_id("Department", seed.sales.id),
            }
        ],
    }
    rule = await create_rule(admin, **definition)
    shown = """{ automationRules { id name trigger entity triggerOptions condition actions
                                   owner { email } } }"""
    (read,) = (await admin.data(shown))["automationRules"]
    assert read["condition"] == definition["condition"]
    assert read["actions"] == definition["actions"]
    assert read["triggerOptions"] == {"field": "amount"}
    assert read["owner"]["email"] == seed.admin.email
    redefined = {
        "name": "Big deals, renamed",
        "trigger": {"kind": "DEAL_STAGE_ENTERED", "semantics": "FAILURE"},
        "condition": read["condition"],
        "actions": read["actions"],
    }
    update = """mutation($id: ID!, $input: AutomationRuleInput!) {
      updateAutomationRule(id: $id, input: $input) { id name trigger triggerOptions } }"""
    updated = (await admin.data(update, {"id": rule, "input": redefined}))["updateAutomationRule"]
    assert updated == {
        "id": rule,
        "name": "Big deals, renamed",
        "trigger": "DEAL_STAGE_ENTERED",
        "triggerOptions": {"semantics": "FAILURE"},
    }
    delete = "mutation($id: ID!) { deleteAutomationRule(id: $id) }"
    assert (await admin.data(delete, {"id": rule}))["deleteAutomationRule"] == rule
    assert (await admin.data(shown))["automationRules"] == []
