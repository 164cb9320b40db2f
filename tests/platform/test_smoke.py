from starlette.applications import Starlette

from tests.client import GraphQLClient
from tests.factories import Seed
from tests.statements import count_statements


async def test_login_and_viewer(client: GraphQLClient, seed: Seed) -> None:
    token = await client.login("admin@example.com")
    data = await client.data("{ viewer { email name isAdmin department { name } } }", token=token)
    assert data["viewer"] == {
        "email": "admin@example.com",
        "name": "Ada Admin",
        "isAdmin": True,
        "department": {"name": "Root"},
    }


async def test_users_page_runs_the_same_statements_for_1_and_all(
    admin: GraphQLClient, app: Starlette
) -> None:
    query = "query($n: Int) { users(first: $n) { edges { node { name department { name } } } } }"
    counts = []
    for size in (1, 3):
        with count_statements(app.state.engine) as log:
            data = await admin.data(query, {"n": size})
        assert len(data["users"]["edges"]) == size
        counts.append(log.count)
    assert counts[0] == counts[1]
