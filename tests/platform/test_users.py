"""The user directory and the admin's changes to it."""

from __future__ import annotations

from tests.client import GraphQLClient
from tests.factories import Seed

CREATE = """
mutation($input: CreateUserInput!) {
  createUser(input: $input) { id email name position isAdmin active department { name } }
}"""
UPDATE = """
mutation($id: ID!, $input: UpdateUserInput!) {
  updateUser(id: $id, input: $input) { id email name position isAdmin active department { name } }
}"""
COUNT = "{ users { totalCount } }"


async def _department_id(client: GraphQLClient, name: str) -> str:
    data = await client.data(
        "query($s: String) { departments(filter: {search: $s}) { edges { node { id name } } } }",
        {"s": name},
    )
    [match] = [e["node"]["id"] for e in data["departments"]["edges"] if e["node"]["name"] == name]
    return str(match)


async def test_admin_creates_a_user_who_can_log_in(
    admin: GraphQLClient, client: GraphQLClient, seed: Seed
) -> None:
    north = await _department_id(admin, "North")
    data = await admin.data(
        CREATE,
        {
            "input": {
                "email": "New.Person@Example.com",
                "name": " New Person ",
                "password": "long enough",
                "position": "Sales manager",
                "departmentId": north,
            }
        },
    )
    assert data["createUser"]["email"] == "new.person@example.com"
    assert data["createUser"]["name"] == "New Person"
    assert data["createUser"]["department"] == {"name": "North"}
    token = await client.login("new.person@example.com", "long enough")
    viewer = await client.data("{ viewer { isAdmin position } }", token=token)
    assert viewer["viewer"] == {"isAdmin": False, "position": "Sales manager"}


async def test_bad_user_input_names_the_field_and_writes_nothing(
    admin: GraphQLClient, seed: Seed
) -> None:
    base = {"email": "ok@example.com", "name": "Ok", "password": "long enough"}
    cases = [
        ({"email": "not-an-email"}, "BAD_USER_INPUT", "email"),
        ({"name": "   "}, "BAD_USER_INPUT", "name"),
        ({"name": "x" * 201}, "BAD_USER_INPUT", "name"),
        ({"password": "short"}, "BAD_USER_INPUT", "password"),
        ({"email": "member@example.com"}, "CONFLICT", "email"),
        ({"departmentId": "bm90IGFuIGlk"}, "BAD_USER_INPUT", "departmentId"),
        (
            {"departmentId": str(await _user_id(admin, "member@example.com"))},
            "BAD_USER_INPUT",
            "departmentId",
        ),
    ]
    before = (await admin.data(COUNT))["users"]["totalCount"]
    for change, code, field in cases:
        response = await admin.request(CREATE, {"input": {**base, **change}})
        assert (response.code, response.error_field) == (code, field), change
    assert (await admin.data(COUNT))["users"]["totalCount"] == before


async def _user_id(client: GraphQLClient, email: str) -> str:
    data = await client.data(
        "query($s: String) { users(filter: {search: $s}) { edges { node { id } } } }", {"s": email}
    )
    return str(data["users"]["edges"][0]["node"]["id"])


async def test_an_unknown_department_is_not_found(admin: GraphQLClient, seed: Seed) -> None:
    from schema.relay import encode_id

    response = await admin.request(
        CREATE,
        {
            "input": {
                "email": "a@example.com",
                "name": "A",
                "password": "long enough",
                "departmentId": encode_id("Department", 999),
            }
        },
    )
    assert (response.code, response.error_field) == ("NOT_FOUND", "departmentId")


async def test_members_may_not_create_or_promote(member: GraphQLClient, seed: Seed) -> None:
    response = await member.request(
        CREATE, {"input": {"email": "x@example.com", "name": "X", "password": "long enough"}}
    )
    assert response.code == "FORBIDDEN"
    me = (await member.data("{ viewer { id } }"))["viewer"]["id"]
    for change in ({"isAdmin": True}, {"active": False}):
        assert (await member.request(UPDATE, {"id": me, "input": change})).code == "FORBIDDEN"
    other = await _user_id(member, "head@example.com")
    response = await member.request(UPDATE, {"id": other, "input": {"name": "Renamed"}})
    assert response.code == "FORBIDDEN"


async def test_users_change_their_own_name_and_password(
    member: GraphQLClient, client: GraphQLClient, seed: Seed
) -> None:
    me = (await member.data("{ viewer { id } }"))["viewer"]["id"]
    data = await member.data(
        UPDATE,
        {
            "id": me,
            "input": {"name": "Mia M.", "password": "a new secret", "currentPassword": "demo"},
        },
    )
    assert data["updateUser"]["name"] == "Mia M."
    await client.login("member@example.com", "a new secret")


async def test_admin_cannot_lock_themself_out(admin: GraphQLClient, seed: Seed) -> None:
    me = (await admin.data("{ viewer { id } }"))["viewer"]["id"]
    for change in ({"active": False}, {"isAdmin": False}):
        assert (await admin.request(UPDATE, {"id": me, "input": change})).code == "CONFLICT"


async def test_null_for_a_required_field_is_refused(admin: GraphQLClient, seed: Seed) -> None:
    me = (await admin.data("{ viewer { id } }"))["viewer"]["id"]
    response = await admin.request(UPDATE, {"id": me, "input": {"name": None}})
    assert (response.code, response.error_field) == ("BAD_USER_INPUT", "name")


async def test_update_of_an_unknown_or_mistyped_id(admin: GraphQLClient, seed: Seed) -> None:
    from schema.relay import encode_id

    unknown = await admin.request(UPDATE, {"id": encode_id("User", 999), "input": {"name": "X"}})
    assert (unknown.code, unknown.error_field) == ("NOT_FOUND", "id")
    mistyped = await admin.request(
        UPDATE, {"id": encode_id("Department", 1), "input": {"name": "X"}}
    )
    assert (mistyped.code, mistyped.error_field) == ("BAD_USER_INPUT", "id")


async def test_users_walk_by_name_in_both_directions(admin: GraphQLClient, seed: Seed) -> None:
    for index in range(7):
        await admin.data(
            CREATE,
            {
                "input": {
                    "email": f"u{index}@example.com",
                    "name": f"User {index % 3}",
                    "password": "long enough",
                }
            },
        )
    query = """query($after: String, $before: String, $first: Int, $last: Int) {
      users(first: $first, after: $after, last: $last, before: $before,
            orderBy: [{field: NAME, direction: DESC}]) {
        totalCount
        pageInfo { hasNextPage hasPreviousPage endCursor startCursor }
        edges { node { email name } }
      }
    }"""
    forward: list[str] = []
    cursor = None
    while True:
        page = (await admin.data(query, {"first": 3, "after": cursor}))["users"]
        assert page["totalCount"] == 10
        forward += [edge["node"]["email"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        cursor = page["pageInfo"]["endCursor"]
    assert len(forward) == len(set(forward)) == 10
    everyone = (await admin.data(query, {"first": 100}))["users"]["edges"]
    names = [edge["node"]["name"] for edge in everyone]
    assert names == sorted(names, reverse=True)
    assert forward == [edge["node"]["email"] for edge in everyone]

    backward: list[str] = []
    cursor = None
    while True:
        page = (await admin.data(query, {"last": 4, "before": cursor}))["users"]
        backward = [edge["node"]["email"] for edge in page["edges"]] + backward
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        cursor = page["pageInfo"]["startCursor"]
    assert backward == forward


async def test_page_arguments_are_checked(admin: GraphQLClient, seed: Seed) -> None:
    cases = [
        ("{ users(first: 101) { totalCount } }", "first"),
        ("{ users(first: -1) { totalCount } }", "first"),
        ("{ users(first: 1, last: 1) { totalCount } }", "first"),
        ('{ users(after: "garbage!") { totalCount } }', "after"),
        ('{ users(after: "WzFd") { totalCount } }', "after"),
    ]
    for query, field in cases:
        response = await admin.request(query)
        assert (response.code, response.error_field) == ("BAD_USER_INPUT", field), query
