"""Feed posts through the API: who sees them, comments, likes, edits and bad input."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from models import Event, Post, SessionFactory
from tests.client import GraphQLClient
from tests.collaboration.factories import Company, Users, gid

CREATE = """
mutation($input: PostInput!) {
  createPost(input: $input) {
    id title body important author { name }
    recipients { kind department { name } user { name } }
  }
}"""
POSTS = "{ posts(first: 50) { totalCount edges { node { body } } } }"


async def create_post(client: GraphQLClient, body: str, *recipients: dict[str, Any]) -> str:
    data = await client.data(CREATE, {"input": {"body": body, "recipients": list(recipients)}})
    post_id: str = data["createPost"]["id"]
    return post_id


async def bodies(client: GraphQLClient) -> tuple[int, list[str]]:
    posts = (await client.data(POSTS))["posts"]
    return posts["totalCount"], [edge["node"]["body"] for edge in posts["edges"]]


def to_department(pk: int) -> dict[str, Any]:
    return {"kind": "DEPARTMENT", "id": gid("Department", pk)}


def to_user(pk: int) -> dict[str, Any]:
    return {"kind": "USER", "id": gid("User", pk)}


async def test_a_post_shows_what_it_was_given(company: Company, users: Users) -> None:
    data = await (await users(company.mia)).data(
        CREATE,
        {
            "input": {
                "title": "Plan",
                "body": " Q4 plan ",
                "important": True,
                "recipients": [to_department(company.seed.sales.id), to_user(company.max.id)],
            }
        },
    )
    assert data["createPost"] | {"id": None} == {
        "id": None,
        "title": "Plan",
        "body": "Q4 plan",
        "important": True,
        "author": {"name": "Mia Member"},
        "recipients": [
            {"kind": "DEPARTMENT", "department": {"name": "Sales"}, "user": None},
            {"kind": "USER", "department": None, "user": {"name": "Max Marketer"}},
        ],
    }


async def test_a_department_post_reaches_its_subtree_not_siblings_or_parents(
    company: Company, users: Users
) -> None:
    post_id = await create_post(
        await users(company.hugo), "to sales", to_department(company.seed.sales.id)
    )
    for user in (company.hugo, company.mia, company.nina, company.sam):
        assert await bodies(await users(user)) == (1, ["to sales"]), user.name
    for user in (company.max, company.mara):
        client = await users(user)
        assert await bodies(client) == (0, []), user.name
        response = await client.request("query($id: ID!) { node(id: $id) { id } }", {"id": post_id})
        assert response.is_null()
    await create_post(await users(company.mia), "to north", to_department(company.seed.north.id))
    assert await bodies(await users(company.sam)) == (1, ["to sales"])
    assert await bodies(await users(company.hugo)) == (1, ["to sales"])


async def test_posts_to_everyone_and_to_users(company: Company, users: Users) -> None:
    mia = await users(company.mia)
    await create_post(mia, "hello all", {"kind": "ALL"})
    await create_post(mia, "for max", to_user(company.max.id))
    assert await bodies(await users(company.owen)) == (1, ["hello all"])
    assert await bodies(await users(company.max)) == (2, ["for max", "hello all"])
    assert await bodies(mia) == (2, ["for max", "hello all"])


async def test_posts_page_by_cursor_newest_first(company: Company, users: Users) -> None:
    mia = await users(company.mia)
    for body in ("one", "two", "three"):
        await create_post(mia, body, {"kind": "ALL"})
    query = """query($after: String) { posts(first: 2, after: $after) {
                 pageInfo { endCursor hasNextPage } edges { node { body } } } }"""
    first = (await mia.data(query))["posts"]
    assert [e["node"]["body"] for e in first["edges"]] == ["three", "two"]
    rest = (await mia.data(query, {"after": first["pageInfo"]["endCursor"]}))["posts"]
    assert [e["node"]["body"] for e in rest["edges"]] == ["one"]
    assert rest["pageInfo"]["hasNextPage"] is False


async def test_comments_and_likes_are_counted(company: Company, users: Users) -> None:
    post_id = await create_post(await users(company.mia), "news", {"kind": "ALL"})
    comment = """mutation($p: ID!, $b: String!) { addComment(postId: $p, body: $b) {
                   id body author { name } post { body } } }"""
    like = "mutation($p: ID!) { likePost(postId: $p) { likeCount likedByViewer } }"
    for user in (company.nina, company.sam):
        client = await users(user)
        added = (await client.data(comment, {"p": post_id, "b": f"from {user.name}"}))["addComment"]
        assert added["post"] == {"body": "news"}
        await client.data(like, {"p": post_id})
    twice = await (await users(company.sam)).data(like, {"p": post_id})
    assert twice["likePost"] == {"likeCount": 2, "likedByViewer": True}
    unliked = await (await users(company.nina)).data(
        "mutation($p: ID!) { unlikePost(postId: $p) { likeCount likedByViewer } }", {"p": post_id}
    )
    assert unliked["unlikePost"] == {"likeCount": 1, "likedByViewer": False}
    read = await (await users(company.owen)).data(
        """query($id: ID!) { node(id: $id) { ... on Post {
             likeCount likedByViewer likedBy { name } commentCount comments { body } } } }""",
        {"id": post_id},
    )
    assert read["node"] == {
        "likeCount": 1,
        "likedByViewer": False,
        "likedBy": [{"name": "Sam South"}],
        "commentCount": 2,
        "comments": [{"body": "from Nina North"}, {"body": "from Sam South"}],
    }


async def test_invisible_posts_cannot_be_liked_or_commented(company: Company, users: Users) -> None:
    post_id = await create_post(await users(company.mia), "private", to_user(company.nina.id))
    owen = await users(company.owen)
    liked = await owen.request("mutation($p: ID!) { likePost(postId: $p) { id } }", {"p": post_id})
    assert (liked.code, liked.error_field) == ("NOT_FOUND", "postId")
    commented = await owen.request(
        'mutation($p: ID!) { addComment(postId: $p, body: "hi") { id } }', {"p": post_id}
    )
    assert (commented.code, commented.error_field) == ("NOT_FOUND", "postId")


async def test_only_the_author_edits_and_author_or_admin_deletes(
    company: Company, users: Users
) -> None:
    mia = await users(company.mia)
    post_id = await create_post(mia, "draft", {"kind": "ALL"})
    edit = "mutation($id: ID!, $b: String) { updatePost(id: $id, input: {body: $b}) { body } }"
    assert (await (await users(company.nina)).request(edit, {"id": post_id, "b": "x"})).code == (
        "FORBIDDEN"
    )
    assert (await mia.data(edit, {"id": post_id, "b": "final"}))["updatePost"]["body"] == "final"
    empty = await mia.request(edit, {"id": post_id, "b": "  "})
    assert (empty.code, empty.error_field) == ("BAD_USER_INPUT", "body")
    delete = "mutation($id: ID!) { deletePost(id: $id) }"
    assert (await (await users(company.nina)).request(delete, {"id": post_id})).code == "FORBIDDEN"
    assert (await (await users(company.ada)).data(delete, {"id": post_id}))["deletePost"] == post_id
    assert await bodies(mia) == (0, [])


async def test_comment_edit_and_delete_by_its_author(company: Company, users: Users) -> None:
    post_id = await create_post(await users(company.mia), "news", {"kind": "ALL"})
    nina = await users(company.nina)
    comment_id = (
        await nina.data(
            'mutation($p: ID!) { addComment(postId: $p, body: "first") { id } }', {"p": post_id}
        )
    )["addComment"]["id"]
    edit = 'mutation($id: ID!) { updateComment(id: $id, body: "edited") { body } }'
    delete = "mutation($id: ID!) { deleteComment(id: $id) }"
    assert (await (await users(company.mia)).request(edit, {"id": comment_id})).code == (
        "FORBIDDEN"
    )
    assert (await (await users(company.mia)).request(delete, {"id": comment_id})).code == (
        "FORBIDDEN"
    )
    assert (await nina.data(edit, {"id": comment_id}))["updateComment"]["body"] == "edited"
    assert (await nina.data(delete, {"id": comment_id}))["deleteComment"] == comment_id


async def test_bad_input_names_the_field_and_writes_nothing(
    company: Company, users: Users, session_factory: SessionFactory
) -> None:
    mia = await users(company.mia)
    everyone = [{"kind": "ALL"}]
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"body": " ", "recipients": everyone}, "BAD_USER_INPUT", "body"),
        ({"body": "b" * 20_001, "recipients": everyone}, "BAD_USER_INPUT", "body"),
        ({"body": "b", "title": "t" * 256, "recipients": everyone}, "BAD_USER_INPUT", "title"),
        ({"body": "b", "recipients": []}, "BAD_USER_INPUT", "recipients"),
        ({"body": "b", "recipients": [{"kind": "USER"}]}, "BAD_USER_INPUT", "recipients"),
        (
            {"body": "b", "recipients": [{"kind": "ALL", "id": gid("User", company.mia.id)}]},
            "BAD_USER_INPUT",
            "recipients",
        ),
        ({"body": "b", "recipients": [to_user(999_999)]}, "NOT_FOUND", "recipients"),
        ({"body": "b", "recipients": [to_department(999_999)]}, "NOT_FOUND", "recipients"),
        (
            {"body": "b", "recipients": [{"kind": "USER", "id": gid("Department", 1)}]},
            "BAD_USER_INPUT",
            "recipients",
        ),
        (
            {"body": "b", "recipients": [{"kind": "USER", "id": "%%%"}]},
            "BAD_USER_INPUT",
            "recipients",
        ),
    ]
    for input, code, field in cases:
        response = await mia.request(CREATE, {"input": input})
        assert (response.code, response.error_field) == (code, field), input
    comment = await mia.request(
        'mutation($p: ID!) { addComment(postId: $p, body: "x") { id } }',
        {"p": gid("Task", 1)},
    )
    assert (comment.code, comment.error_field) == ("BAD_USER_INPUT", "postId")
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Post)) == 0
        assert await session.scalar(select(func.count()).select_from(Event)) == 0
