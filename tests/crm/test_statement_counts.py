"""No N+1: every list with nested relations runs as many statements for 1 row as for 50."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette

from models import AccessAction, AccessLevel, FieldRuleKind, SessionFactory
from models.crm import CrmEntity
from tests.client import GraphQLClient
from tests.conftest import logged_in
from tests.crm.factories import crm_records
from tests.factories import Seed, every_action, grant_role
from tests.statements import count_statements

USER = "{ name department { name } }"
# Permissions must not add statements per row either: the `access` field and field masks.
ACCESS = "access { canUpdate hiddenFields }"
LISTS = {
    "deals": f"""deals(first: $n) {{ totalCount edges {{ node {{
        title amount {ACCESS} allowedStages {{ name }}
        pipeline {{ name }} stage {{ name }} semantics assignedTo {USER}
        createdBy {{ name }} sourceLead {{ title status {{ name }} }}
        company {{ title {ACCESS} communications {{ value }} contacts {{ name }} }}
        contacts {{ name {ACCESS} communications {{ value }} companies {{ title }} }}
        stageHistory {{ to {{ name }} }}
        timeline(first: 3) {{ totalCount pageInfo {{ hasNextPage endCursor }}
          edges {{ cursor node {{ kind author {{ name }} activity {{ subject }} }} }} }}
        }} }} }}""",
    "leads": f"""leads(first: $n) {{ totalCount edges {{ node {{
        title {ACCESS} status {{ name }} source {{ name }} assignedTo {USER}
        communications {{ value normalized }}
        contact {{ name companies {{ title }} }} company {{ title }}
        deal {{ title stage {{ name }} }} }} }} }}""",
    "contacts": f"""contacts(first: $n) {{ totalCount edges {{ node {{
        name {ACCESS} assignedTo {USER} communications {{ value }}
        companies {{ title deals {{ title amount {ACCESS} stage {{ name }} }} }}
        sourceLead {{ title }} }} }} }}""",
    "companies": f"""companies(first: $n) {{ totalCount edges {{ node {{
        title {ACCESS} assignedTo {USER} communications {{ value }}
        contacts {{ name }} deals {{ title amount {ACCESS} contacts {{ name }} }} }} }} }}""",
    "activities": f"""activities(first: $n) {{ totalCount edges {{ node {{
        subject assignedTo {USER} createdBy {{ name }}
        owners {{ ... on Deal {{ title company {{ title }} }} }} }} }} }}""",
}


@pytest.mark.parametrize("name", sorted(LISTS))
async def test_same_statements_for_1_and_50_rows(
    name: str, member: GraphQLClient, app: Starlette, session_factory: SessionFactory, seed: Seed
) -> None:
    await crm_records(session_factory, seed, 50)
    counts = await _counts(member, app, name)
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("name", sorted(LISTS))
async def test_same_statements_with_hidden_fields(
    name: str,
    client: GraphQLClient,
    app: Starlette,
    session_factory: SessionFactory,
    seed: Seed,
) -> None:
    """A viewer whose role hides fields: masks load envelopes for a page at once."""
    await crm_records(session_factory, seed, 50)
    hidden = {(CrmEntity.DEAL, "amount"): FieldRuleKind.HIDDEN}
    hidden |= {(entity, "opened"): FieldRuleKind.HIDDEN for entity in CrmEntity}
    await grant_role(
        session_factory,
        "Sees all, not amounts",
        every_action(AccessLevel.SUBDEPARTMENTS)
        | {(entity, AccessAction.READ): AccessLevel.ALL for entity in CrmEntity},
        user=seed.head,
        field_rules=hidden,
    )
    head = await logged_in(client, seed.head.email)
    counts = await _counts(head, app, name)
    assert counts[0] == counts[1], counts
    if name == "deals":
        deal = await head.data(
            "{ deals(first: 1) { edges { node { amount access { hiddenFields } } } } }"
        )
        node = deal["deals"]["edges"][0]["node"]
        assert node["amount"] is None
        assert "amount" in node["access"]["hiddenFields"]


async def _counts(viewer: GraphQLClient, app: Starlette, name: str) -> list[int]:
    query = f"query($n: Int) {{ {LISTS[name]} }}"
    counts = []
    for size in (1, 50):
        with count_statements(app.state.engine) as log:
            data = await viewer.data(query, {"n": size})
        assert len(data[name]["edges"]) == size
        assert data[name]["totalCount"] == 50
        counts.append(log.count)
    return counts
