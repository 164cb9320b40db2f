"""Attachments on tasks, posts and comments, each by its owner's rules; deleting the owner
removes the files; a page of deals with attachments costs a fixed number of statements."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from models import AccessLevel, Attachment, SessionFactory
from models.crm import Deal
from tests.client import GraphQLClient
from tests.collaboration.factories import Company, Users, gid
from tests.conftest import logged_in
from tests.crm.api import CREATE_DEAL, create
from tests.factories import every_action, grant_role
from tests.files.files_api import DELETE, attached, download, listed, stored_files, upload
from tests.statements import count_statements

CREATE_TASK = "mutation($input: TaskInput!) { createTask(input: $input) { id } }"
CREATE_POST = "mutation($input: PostInput!) { createPost(input: $input) { id } }"
ADD_COMMENT = "mutation($p: ID!, $b: String!) { addComment(postId: $p, body: $b) { id } }"


async def test_task_files_take_a_working_part_and_go_with_the_task(
    company: Company, users: Users, store_root: Path
) -> None:
    mia, nina, sam, owen = (
        await users(company.mia),
        await users(company.nina),
        await users(company.sam),
        await users(company.owen),
    )
    task_input: dict[str, Any] = {
        "title": "Prepare the offer",
        "responsibleId": gid("User", company.nina.id),
        "auditorIds": [gid("User", company.sam.id)],
    }
    task = (await mia.data(CREATE_TASK, {"input": task_input}))["createTask"]["id"]
    await attached(mia, task, b"brief")
    await attached(nina, task, b"draft")
    # The auditor reads and downloads, but only watches.
    items = await listed(sam, task) or []
    assert len(items) == 2
    assert (await download(sam, items[0]["downloadUrl"])).content == b"brief"
    assert (await upload(sam, task, b"x")).code == "FORBIDDEN"
    assert (await sam.request(DELETE, {"id": items[0]["id"]})).code == "FORBIDDEN"
    # Someone outside the task does not see it.
    assert await listed(owen, task) is None
    assert (await upload(owen, task, b"x")).code == "NOT_FOUND"
    # The responsible may delete the creator's file (they may attach to the task).
    await nina.data(DELETE, {"id": items[0]["id"]})
    assert len(stored_files(store_root)) == 1
    await mia.data("mutation($id: ID!) { deleteTask(id: $id) }", {"id": task})
    assert stored_files(store_root) == []


async def test_post_and_comment_files_are_their_authors_and_go_with_the_post(
    company: Company, users: Users, store_root: Path
) -> None:
    mia, nina, owen = await users(company.mia), await users(company.nina), await users(company.owen)
    to_north = {"kind": "DEPARTMENT", "id": gid("Department", company.seed.north.id)}
    post = (await mia.data(CREATE_POST, {"input": {"body": "Hi", "recipients": [to_north]}}))[
        "createPost"
    ]["id"]
    await attached(mia, post, b"slides")
    # A recipient reads it, comments, and attaches to her own comment only.
    [item] = await listed(nina, post) or []
    assert (await download(nina, item["downloadUrl"])).content == b"slides"
    assert (await upload(nina, post, b"x")).code == "FORBIDDEN"
    comment = (await nina.data(ADD_COMMENT, {"p": post, "b": "Thanks"}))["addComment"]["id"]
    await attached(nina, comment, b"notes")
    assert (await upload(mia, comment, b"x")).code == "FORBIDDEN"
    assert len(await listed(mia, comment) or []) == 1
    # Not a recipient: nothing to see.
    assert await listed(owen, post) is None and await listed(owen, comment) is None
    assert (await upload(owen, comment, b"x")).code == "NOT_FOUND"
    assert len(stored_files(store_root)) == 2
    await mia.data("mutation($id: ID!) { deletePost(id: $id) }", {"id": post})
    assert stored_files(store_root) == []


DEALS = """
{ deals(first: 50) { edges { node { title
    attachments { id fileName size sha256 createdAt downloadUrl uploadedBy { name } } } } } }"""


async def test_a_page_of_deals_with_attachments_costs_the_same_whatever_its_size(
    client: GraphQLClient, company: Company, session_factory: SessionFactory, engine: AsyncEngine
) -> None:
    await grant_role(session_factory, "Full CRM", every_action(AccessLevel.ALL), user=company.mia)
    mia = await logged_in(client, company.mia.email)

    async def cost() -> tuple[int, int]:
        with count_statements(engine) as log:
            data = await mia.data(DEALS)
        files = sum(len(edge["node"]["attachments"]) for edge in data["deals"]["edges"])
        return log.count, files

    await add_deals(mia, session_factory, company, 5)
    small, small_files = await cost()
    await add_deals(mia, session_factory, company, 15)
    large, large_files = await cost()
    assert (small_files, large_files) == (10, 40)
    assert small == large, (small, large)


async def add_deals(
    mia: GraphQLClient, session_factory: SessionFactory, company: Company, count: int
) -> None:
    """Deals with two attachments each (rows only: listing reads no bytes), by two users."""
    ids = [(await create(mia, CREATE_DEAL, title=f"Deal {n}"))["id"] for n in range(count)]
    async with session_factory() as session:
        for index, global_id in enumerate(ids):
            deal = await session.get(Deal, int(_pk(global_id)))
            assert deal is not None
            for uploader in (company.mia.id, company.nina.id):
                session.add(
                    Attachment(
                        owner_kind="DEAL",
                        owner_id=deal.id,
                        file_name=f"f{index}.txt",
                        content_type="text/plain",
                        size=1,
                        sha256="0" * 64,
                        storage_key=f"key{deal.id:08d}{uploader:08d}",
                        uploaded_by_id=uploader,
                    )
                )
        await session.commit()


def _pk(global_id: str) -> str:
    import base64

    padded = global_id + "=" * (-len(global_id) % 4)
    return base64.urlsafe_b64decode(padded).decode().split(":")[1]
