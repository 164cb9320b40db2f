"""No N+1: every list with nested relations runs as many statements for 1 row as for 50."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette

from models import SessionFactory
from tests.client import GraphQLClient
from tests.crm.factories import crm_records
from tests.factories import Seed
from tests.statements import count_statements

USER = "{ name department { name } }"
LISTS = {
    "deals": f"""deals(first: $n) {{ totalCount edges {{ node {{
        title amount pipeline {{ name }} stage {{ name }} semantics assignedTo {USER}
        createdBy {{ name }} sourceLead {{ title status {{ name }} }}
        company {{ title communications {{ value }} contacts {{ name }} }}
        contacts {{ name communications {{ value }} companies {{ title }} }}
        stageHistory {{ to {{ name }} }}
        timeline(first: 3) {{ totalCount pageInfo {{ hasNextPage endCursor }}
          edges {{ cursor node {{ kind author {{ name }} activity {{ subject }} }} }} }}
        }} }} }}""",
    "leads": f"""leads(first: $n) {{ totalCount edges {{ node {{
        title status {{ name }} source {{ name }} assignedTo {USER}
        communications {{ value normalized }}
        contact {{ name companies {{ title }} }} company {{ title }}
        deal {{ title stage {{ name }} }} }} }} }}""",
    "contacts": f"""contacts(first: $n) {{ totalCount edges {{ node {{
        name assignedTo {USER} communications {{ value }}
        companies {{ title deals {{ title stage {{ name }} }} }} sourceLead {{ title }} }} }} }}""",
    "companies": f"""companies(first: $n) {{ totalCount edges {{ node {{
        title assignedTo {USER} communications {{ value }}
        contacts {{ name }} deals {{ title contacts {{ name }} }} }} }} }}""",
    "activities": f"""activities(first: $n) {{ totalCount edges {{ node {{
        subject assignedTo {USER} createdBy {{ name }}
        owners {{ ... on Deal {{ title company {{ title }} }} }} }} }} }}""",
}


@pytest.mark.parametrize("name", sorted(LISTS))
async def test_same_statements_for_1_and_50_rows(
    name: str, member: GraphQLClient, app: Starlette, session_factory: SessionFactory, seed: Seed
) -> None:
    await crm_records(session_factory, seed, 50)
    query = f"query($n: Int) {{ {LISTS[name]} }}"
    counts = []
    for size in (1, 50):
        with count_statements(app.state.engine) as log:
            data = await member.data(query, {"n": size})
        assert len(data[name]["edges"]) == size
        assert data[name]["totalCount"] == 50
        counts.append(log.count)
    assert counts[0] == counts[1], counts
