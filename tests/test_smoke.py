from tests.client import GraphQLClient
from tests.factories import Seed


async def test_login_and_viewer(client: GraphQLClient, seed: Seed) -> None:
    token = await client.login("admin@example.com")
    data = await client.data("{ viewer { email name isAdmin department { name } } }", token=token)
    assert data["viewer"] == {
        "email": "admin@example.com",
        "name": "Ada Admin",
        "isAdmin": True,
        "department": {"name": "Root"},
    }
