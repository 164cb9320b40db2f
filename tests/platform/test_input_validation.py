"""Hostile values inside a GraphQL request: each answered BAD_USER_INPUT naming its field.

Forged cursors, text no database can store (NUL, lone surrogates), times whose UTC leaves
the calendar, IDs spelled another way than the API writes them, numbers that are not finite.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.client import GraphQLClient, Response
from tests.crm.api import CREATE_COMPANY, CREATE_DEAL, create, global_id


async def send(
    client: GraphQLClient, query: str, variables: dict[str, Any] | None = None
) -> Response:
    """As a browser would send it: json.dumps escapes a lone surrogate as "\\ud800" (httpx's
    own encoder refuses to). A body no text can be decoded from is refused whole, 400."""
    body = json.dumps({"query": query, "variables": variables or {}})
    answer = await client.http.post(
        "/graphql",
        content=body,
        headers={"Authorization": f"Bearer {client.token}", "Content-Type": "application/json"},
    )
    assert answer.status_code in (200, 400), answer.text
    payload = answer.json()
    assert answer.status_code == 200 or payload["data"] is None, payload
    return Response(data=payload.get("data"), errors=payload.get("errors") or [])


def answers(response: Response) -> tuple[list[str], list[str | None]]:
    return response.codes, [error.get("extensions", {}).get("field") for error in response.errors]


def cursor_of(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def values_of(cursor: str) -> list[Any]:
    decoded = json.loads(base64.urlsafe_b64decode(cursor))
    assert isinstance(decoded, list)
    return decoded


def connection(root: str, arguments: str = "") -> str:
    return (
        f"query($a: String, $b: String) {{ {root}(after: $a, before: $b{arguments}) "
        "{ totalCount edges { cursor } } }"
    )


# One list per kind of keyset column: times, decimals, text, integers, a coalesced time.
LISTS = {
    "deals": connection("deals"),
    "deals by amount": connection("deals", ", orderBy: [{field: AMOUNT}, {field: TITLE}]"),
    "tasks by deadline": connection("tasks", ", orderBy: [{field: DEADLINE}]"),
    "posts": connection("posts"),
    "users": connection("users"),
    "feed": connection("feed"),
}
NOT_TEXT: list[Any] = [True, [1], {"a": 1}, None, 1.5, 2**64]
FORGED_TEXT: list[Any] = ["a\x00b", "x" * 10_001, *NOT_TEXT]
FORGED_OTHER: list[Any] = [
    "2026-01-01T10:00:00",  # naive
    "9999-12-31T23:59:59-14:00",  # past year 9999 in UTC
    "0001-01-01T00:00:00+14:00",  # before year 1 in UTC
    "sNaN",
    "NaN",
    "Infinity",
    "1e999999",
    "1e-999999",
    "not a value",
    *FORGED_TEXT,
]


def forgeries(real: list[Any]) -> list[str]:
    """Cursors of the wrong length, and of each value of ``real`` replaced by one its column
    cannot hold (a title is any text: only the other columns refuse any string)."""
    forged = [cursor_of(real[:-1]), cursor_of([*real, 1])]
    for index, value in enumerate(real):
        text = isinstance(value, str) and not value[:1].isdigit()
        for other in FORGED_TEXT if text else FORGED_OTHER:
            if other != value:
                forged.append(cursor_of([*real[:index], other, *real[index + 1 :]]))
    return forged


@pytest.fixture
async def listed(admin: GraphQLClient) -> dict[str, list[Any]]:
    """A real cursor's values for every list of LISTS."""
    await create(admin, CREATE_DEAL, title="Deal", amount="12.50")
    await create(admin, CREATE_COMPANY, title="Acme")
    await admin.data('mutation { createTask(input: {title: "t"}) { id } }')
    await admin.data(
        'mutation { createPost(input: {body: "p", recipients: [{kind: ALL}]}) { id } }'
    )
    found = {}
    for name, document in LISTS.items():
        (page,) = (await admin.data(document)).values()
        found[name] = values_of(page["edges"][0]["cursor"])
    return found


async def test_forged_cursor_values_are_bad_input_naming_the_argument(
    admin: GraphQLClient, listed: dict[str, list[Any]]
) -> None:
    failures = []
    for name, real in listed.items():
        for cursor in forgeries(real):
            for variable, argument in (("a", "after"), ("b", "before")):
                response = await send(admin, LISTS[name], {variable: cursor})
                if answers(response) != (["BAD_USER_INPUT"], [argument]):
                    failures.append(
                        (name, argument, base64.urlsafe_b64decode(cursor), response.errors)
                    )
    assert not failures, failures


@pytest.mark.parametrize(
    "cursor",
    ["!!!", "eyJ", base64.b64encode(b"not json").decode(), cursor_of({"a": 1})],
)
async def test_cursors_that_are_no_cursor_at_all_are_bad_input(
    admin: GraphQLClient, cursor: str
) -> None:
    response = await send(admin, LISTS["deals"], {"a": cursor})
    assert answers(response) == (["BAD_USER_INPUT"], ["after"])


TITLE_VARIABLE = "mutation($t: String!) { createTask(input: {title: $t}) { id } }"
DEAL_INPUT = "mutation($i: DealInput!) { createDeal(input: $i) { id } }"
DEAL_FILTER = "query($f: DealFilter) { deals(filter: $f) { totalCount } }"


@pytest.mark.parametrize(
    ("document", "variables", "field"),
    [
        (TITLE_VARIABLE, {"t": "\ud800"}, "body"),
        (TITLE_VARIABLE, {"t": "ok\udfff"}, "body"),
        (TITLE_VARIABLE, {"t": "a\x00b"}, "title"),
        (
            'mutation($c: String!) { createCompany(input: {title: "Acme", industry: $c}) { id } }',
            {"c": "\udc00"},
            "body",
        ),
        (DEAL_INPUT, {"i": {"title": "x", "contactIds": ["\ud800"]}}, "body"),
        (
            DEAL_FILTER,
            {"f": {"or": [{"title": {"in": ["ok", "\ud800"]}}]}},
            "body",
        ),
        (DEAL_INPUT, {"i": {"title": "x", "contactIds": ["a\x00"]}}, "contactIds.0"),
        (
            DEAL_FILTER,
            {"f": {"or": [{"title": {"in": ["ok", "\x00"]}}]}},
            "filter.or.0.title.in.1",
        ),
        (DEAL_FILTER, {"f": {"search": "a\x00"}}, "filter.search"),
        (
            "query($s: String) { tasks(filter: {search: $s}) { totalCount } }",
            {"s": "\x00"},
            "filter.search",
        ),
        ('query { tasks(filter: {search: "\\u0000"}) { totalCount } }', {}, "filter.search"),
        ('query { tasks(filter: {tag: "a\\u0000"}) { totalCount } }', {}, "filter.tag"),
        ('query { users(filter: {search: "\\u0000"}) { totalCount } }', {}, "filter.search"),
        ('mutation { createTask(input: {title: "\\u0000"}) { id } }', {}, "title"),
        ('query($s: String = "\\u0000") { tasks(filter: {search: $s}) { totalCount } }', {}, "s"),
        ('mutation { login(email: "a@b.co", password: "x\\u0000y") { token } }', {}, "password"),
    ],
)
async def test_text_no_database_can_store_is_bad_input_naming_the_field(
    admin: GraphQLClient, document: str, variables: dict[str, Any], field: str
) -> None:
    response = await send(admin, document, variables)
    assert answers(response) == (["BAD_USER_INPUT"], [field])


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
@pytest.mark.parametrize("root", ["deals", "leads", "companies", "contacts", "activities"])
async def test_times_beyond_the_calendar_in_utc_are_bad_input_naming_the_field(
    admin: GraphQLClient, root: str, moment: str
) -> None:
    for bound in ("gt", "lte"):
        literal = await send(
            admin, f'{{ {root}(filter: {{createdAt: {{{bound}: "{moment}"}}}}) {{ totalCount }} }}'
        )
        assert answers(literal) == (["BAD_USER_INPUT"], ["filter.createdAt"])


async def test_ids_are_spelled_one_way(admin: GraphQLClient) -> None:
    deal = await create(admin, CREATE_DEAL, title="Deal")
    pk = values_of((await admin.data(LISTS["deals"]))["deals"]["edges"][0]["cursor"])[-1]
    assert deal["id"] == global_id("Deal", pk)
    node = "query($id: ID!) { node(id: $id) { id } }"
    assert (await send(admin, node, {"id": deal["id"]})).data == {"node": {"id": deal["id"]}}
    arabic = "".join(chr(0x0660 + int(digit)) for digit in str(pk))
    other_spellings = [
        f"Deal:{arabic}",
        f"Deal:0{pk}",
        f"Deal:+{pk}",
        f"Deal: {pk}",
        f"Deal:{pk} ",
        f"Deal:{pk}_0",
        f"Deal:{2**63}",
        f"Deal:{10**40}",
    ]
    for spelling in other_spellings:
        encoded = base64.urlsafe_b64encode(spelling.encode()).decode().rstrip("=")
        response = await send(admin, node, {"id": encoded})
        assert answers(response) == (["BAD_USER_INPUT"], ["id"]), spelling
    # Base64 decoding skips characters outside its alphabet.
    stray = deal["id"][:2] + "!" + deal["id"][2:]
    assert answers(await send(admin, node, {"id": stray})) == (["BAD_USER_INPUT"], ["id"])


@pytest.mark.parametrize(
    "number", ["NaN", "sNaN", "Infinity", "-Infinity", "1e999999", "1e-999999"]
)
async def test_numbers_that_are_not_finite_amounts_are_bad_input(
    admin: GraphQLClient, number: str
) -> None:
    for document, field in [
        (
            f'mutation {{ createDeal(input: {{title: "x", amount: "{number}"}}) {{ id }} }}',
            "amount",
        ),
        (
            f'mutation {{ createCompany(input: {{title: "x", revenue: "{number}"}}) {{ id }} }}',
            "revenue",
        ),
        (f'{{ deals(filter: {{amount: {{gt: "{number}"}}}}) {{ totalCount }} }}', "filter.amount"),
    ]:
        assert answers(await send(admin, document)) == (["BAD_USER_INPUT"], [field]), document
    probability = await send(
        admin,
        'mutation($p: Int) { createDeal(input: {title: "x", probability: $p}) { id } }',
        {"p": 1e308},
    )
    assert answers(probability) == (["BAD_USER_INPUT"], ["probability"])
