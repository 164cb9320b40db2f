"""The department tree: heads, members, moves, and what may not be deleted."""

from __future__ import annotations

from sqlalchemy import select

from models import Department, SessionFactory
from schema.relay import encode_id
from tests.client import GraphQLClient
from tests.factories import Seed

FIELDS = "id name parent { name } head { email }"
CREATE = f"mutation($i: CreateDepartmentInput!) {{ createDepartment(input: $i) {{ {FIELDS} }} }}"
UPDATE = (
    "mutation($id: ID!, $i: UpdateDepartmentInput!) {"
    f" updateDepartment(id: $id, input: $i) {{ {FIELDS} }} }}"
)
DELETE = "mutation($id: ID!) { deleteDepartment(id: $id) }"
TREE = """{ departments(filter: {rootsOnly: true}) { edges { node {
  name head { email } members { email }
  children { name head { email } children { name members { email } } }
} } } }"""


async def test_the_tree_with_heads_and_members(member: GraphQLClient, seed: Seed) -> None:
    data = await member.data(TREE)
    [root] = [edge["node"] for edge in data["departments"]["edges"]]
    assert root == {
        "name": "Root",
        "head": None,
        "members": [{"email": "admin@example.com"}],
        "children": [
            {
                "name": "Sales",
                "head": {"email": "head@example.com"},
                "children": [{"name": "North", "members": [{"email": "member@example.com"}]}],
            }
        ],
    }


async def _paths(session_factory: SessionFactory) -> dict[str, str]:
    async with session_factory() as session:
        rows = (await session.execute(select(Department.name, Department.path))).all()
    return {str(name): str(path) for name, path in rows}


async def test_moving_a_department_moves_its_subtree(
    admin: GraphQLClient, seed: Seed, session_factory: SessionFactory
) -> None:
    south = (
        await admin.data(
            CREATE, {"i": {"name": "South", "parentId": encode_id("Department", seed.north.id)}}
        )
    )["createDepartment"]
    assert south["parent"] == {"name": "North"}
    moved = await admin.data(
        UPDATE,
        {
            "id": encode_id("Department", seed.north.id),
            "i": {"parentId": encode_id("Department", seed.root.id)},
        },
    )
    assert moved["updateDepartment"]["parent"] == {"name": "Root"}
    paths = await _paths(session_factory)
    root = seed.root.id
    assert paths["North"] == f"/{root}/{seed.north.id}/"
    assert paths["South"].startswith(paths["North"])
    assert not paths["South"].startswith(paths["Sales"])


async def test_a_department_cannot_move_below_itself(admin: GraphQLClient, seed: Seed) -> None:
    response = await admin.request(
        UPDATE,
        {
            "id": encode_id("Department", seed.sales.id),
            "i": {"parentId": encode_id("Department", seed.north.id)},
        },
    )
    assert (response.code, response.error_field) == ("BAD_USER_INPUT", "parentId")


async def test_head_changes_and_clears(admin: GraphQLClient, seed: Seed) -> None:
    sales = encode_id("Department", seed.sales.id)
    data = await admin.data(
        UPDATE, {"id": sales, "i": {"headId": encode_id("User", seed.member.id)}}
    )
    assert data["updateDepartment"]["head"] == {"email": "member@example.com"}
    data = await admin.data(UPDATE, {"id": sales, "i": {"headId": None, "name": "Sales & Co"}})
    assert data["updateDepartment"]["head"] is None
    assert data["updateDepartment"]["name"] == "Sales & Co"


async def test_a_department_with_members_or_children_is_kept(
    admin: GraphQLClient, seed: Seed
) -> None:
    for department in (seed.sales, seed.north):
        response = await admin.request(DELETE, {"id": encode_id("Department", department.id)})
        assert response.code == "CONFLICT"
    empty = (await admin.data(CREATE, {"i": {"name": "Empty"}}))["createDepartment"]["id"]
    assert (await admin.data(DELETE, {"id": empty})) == {"deleteDepartment": empty}
    assert (await admin.request(DELETE, {"id": empty})).code == "NOT_FOUND"


async def test_only_admins_shape_the_tree(member: GraphQLClient, seed: Seed) -> None:
    assert (await member.request(CREATE, {"i": {"name": "Mine"}})).code == "FORBIDDEN"
    response = await member.request(
        UPDATE, {"id": encode_id("Department", seed.north.id), "i": {"name": "Renamed"}}
    )
    assert response.code == "FORBIDDEN"
    response = await member.request(DELETE, {"id": encode_id("Department", seed.north.id)})
    assert response.code == "FORBIDDEN"


async def test_node_resolves_users_and_departments(member: GraphQLClient, seed: Seed) -> None:
    query = """query($id: ID!) { node(id: $id) {
      __typename id ... on Department { name } ... on User { email } } }"""
    department = encode_id("Department", seed.north.id)
    data = await member.data(query, {"id": department})
    assert data["node"] == {"__typename": "Department", "id": department, "name": "North"}
    user = encode_id("User", seed.head.id)
    assert (await member.data(query, {"id": user}))["node"]["email"] == "head@example.com"
    for unknown in (encode_id("User", 9999), encode_id("Nothing", 1)):
        assert (await member.request(query, {"id": unknown})).is_null()
    assert (await member.request(query, {"id": "%%%"})).code == "BAD_USER_INPUT"
