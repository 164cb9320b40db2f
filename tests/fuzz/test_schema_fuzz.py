"""Fuzzing every query and mutation of the schema: no answer may be a crash.

hypothesis-graphql writes operations from the schema's SDL, valid ones (POSITIVE) and ones
with one violation of the schema (NEGATIVE), with hostile values for our scalars. Each runs
through the ASGI app as the admin and as a user without any role, on seeded data. Whatever the
answer, it must not be an HTTP 5xx or carry INTERNAL_SERVER_ERROR; every error has a code.

The budget is fixed and the run derandomised, so CI sees the same operations every time.
``CRMHUB_FUZZ_EXAMPLES`` sets the total (default below): e.g. 5000 for a longer hunt.

Not generated: ``login`` (an argon2 check per call, and its rate limit) and ``logout`` (it
revokes the token the rest of the run uses). IDs are drawn from the seeded rows, but never
the two viewers' own: deactivating or demoting them would end the run, not test anything.
"""

from __future__ import annotations

import functools
import os
from typing import Any

import graphql
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, nodes, queries

from models import SessionFactory
from schema import build_schema
from tests.client import GraphQLClient
from tests.crm.factories import crm_records
from tests.factories import Seed

EXAMPLES = int(os.environ.get("CRMHUB_FUZZ_EXAMPLES", "200"))
# Four runs share the total: queries and mutations, each valid and invalid.
PER_RUN = max(1, EXAMPLES // 4)

# The schema as clients see it: built back from the SDL the app serves.
SCHEMA = graphql.build_schema(build_schema().as_str())
assert SCHEMA.mutation_type is not None
MUTATIONS = sorted(set(SCHEMA.mutation_type.fields) - {"login", "logout"})

SEEDED_IDS = """{
  deals(first: 5) { edges { node { id stage { id } pipeline { id } company { id } } } }
  leads(first: 5) { edges { node { id status { id } } } }
  contacts(first: 5) { edges { node { id } } }
  companies(first: 5) { edges { node { id } } }
  activities(first: 5) { edges { node { id } } }
  tasks(first: 5) { edges { node { id } } }
  posts(first: 5) { edges { node { id } } }
  users(first: 20) { edges { node { id } } }
  departments(first: 10) { edges { node { id } } }
  roles(first: 5) { edges { node { id } } }
  leadSources { id }
  leadStatuses { id }
  pipelines { id stages { id } }
}"""


def _ids_in(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in _ids_in(item)] + (
            [value["id"]] if isinstance(value.get("id"), str) else []
        )
    if isinstance(value, list):
        return [found for item in value for found in _ids_in(item)]
    return []


# Empty, a stray character, Arabic digits, key 0, not base64 of a type and key, a NUL.
FORGED_IDS = ["", "RGVhbDox!", "RGVhbDrZoQ", "VXNlcjow", "bm9wZQ", "é", "\x00"]
TIMES = [
    "2026-06-01T09:00:00Z",
    "2026-06-01T09:00:00+03:00",
    "2026-06-01T09:00:00",  # no zone
    "0001-01-01T00:00:00+14:00",  # before year 1 in UTC
    "9999-12-31T23:59:59-14:00",  # after year 9999 in UTC
    "yesterday",
    "",
]
NUMBERS = ["12.50", "0", "-1", "1.005", "NaN", "sNaN", "Infinity", "-Infinity", "1e999999"]
NUMBERS += ["1e-999999", "99999999999999999999", "ten", ""]


# A rule's SET_FIELD value is JSON: the texts, numbers, lists and objects a field never takes.
JSON_VALUES: list[graphql.ValueNode] = [
    nodes.String("{}"),
    nodes.String(""),
    nodes.Int(10**30),
    nodes.Float(1e308),
    nodes.Boolean(True),
    nodes.List([nodes.String("a"), nodes.Int(1)]),
    nodes.Object([graphql.ObjectFieldNode(name=graphql.NameNode(value="a"), value=nodes.List([]))]),
]


def scalars(pool: list[str]) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """Our scalars, with hostile values among ordinary ones, and IDs."""
    return {
        # Mostly seeded rows: else the fuzzer never gets past "not found".
        "ID": st.sampled_from([*pool * 4, *FORGED_IDS]).map(nodes.String),
        "DateTime": st.one_of(
            st.sampled_from(TIMES),
            st.datetimes(timezones=st.just(None)).map(lambda moment: f"{moment.isoformat()}Z"),
        ).map(nodes.String),
        "Decimal": st.one_of(st.sampled_from(NUMBERS), st.decimals(allow_nan=True).map(str)).map(
            nodes.String
        ),
        "JSON": st.sampled_from(JSON_VALUES),
    }


@pytest.fixture
async def viewers(
    admin: GraphQLClient, member: GraphQLClient, session_factory: SessionFactory, seed: Seed
) -> tuple[list[GraphQLClient], list[str]]:
    """The admin and a user without roles, and the IDs of seeded rows but theirs."""
    await crm_records(session_factory, seed, 6)
    await admin.data('mutation { createTask(input: {title: "Fuzz"}) { id } }')
    await admin.data(
        'mutation { createPost(input: {body: "Fuzz", recipients: [{kind: ALL}]}) { id } }'
    )
    own = {(await client.data("{ viewer { id } }"))["viewer"]["id"] for client in (admin, member)}
    pool = sorted(set(_ids_in(await admin.data(SEEDED_IDS))) - own)
    return [admin, member], pool


async def _answer_is_coded(client: GraphQLClient, document: str) -> None:
    answer = await client.http.post(
        "/graphql",
        json={"query": document},
        headers={"Authorization": f"Bearer {client.token}"},
    )
    assert answer.status_code < 500, (document, answer.text)
    codes = [
        (error.get("extensions") or {}).get("code") for error in answer.json().get("errors") or []
    ]
    assert "INTERNAL_SERVER_ERROR" not in codes, (document, answer.text)
    assert None not in codes, (document, answer.text)


FUZZ_SETTINGS = settings(
    max_examples=PER_RUN,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=False,
    # No shrinking: at a few hundred milliseconds an operation it would outlast CI's budget.
    # The failing operation is reported as drawn, and derandomisation replays it.
    phases=[Phase.explicit, Phase.generate],
)


@functools.cache
def operations(root: str, mode: Mode, pool: tuple[str, ...]) -> st.SearchStrategy[str]:
    if root == "query":
        return queries(SCHEMA, custom_scalars=scalars(list(pool)), mode=mode)
    return mutations(SCHEMA, fields=MUTATIONS, custom_scalars=scalars(list(pool)), mode=mode)


@pytest.mark.parametrize("mode", [Mode.POSITIVE, Mode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize("root", ["query", "mutation"])
@FUZZ_SETTINGS
@given(data=st.data())
async def test_no_operation_crashes(
    viewers: tuple[list[GraphQLClient], list[str]], root: str, mode: Mode, data: st.DataObject
) -> None:
    clients, pool = viewers
    document = data.draw(operations(root, mode, tuple(pool)), label="document")
    for client in clients:
        await _answer_is_coded(client, document)
