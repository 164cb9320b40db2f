"""Tasks, posts, their comments, the feed and notifications against the oracle."""

from __future__ import annotations

from typing import Any

from hypothesis import given

from tests.crm.api import global_id
from tests.oracle.domain import Population
from tests.oracle.population import populations
from tests.oracle.world import ORACLE_SETTINGS, MakeWorld, World, connection, ids_of

TYPE_NAMES = {"TASK": "Task", "POST": "Post"}
NODE_COMMENTS = """query($id: ID!) {
  node(id: $id) { ... on Task { comments { id } } ... on Post { comments { id } } }
}"""


def _gids(world: World, kind: str) -> dict[str, int]:
    return {global_id(TYPE_NAMES[kind], pk): i for i, pk in enumerate(world.loaded.ids[kind])}


def _visible(world: World, user: int, kind: str, index: int) -> bool:
    return world.oracle.subject_visible(user, (kind, index))


@ORACLE_SETTINGS
@given(population=populations())
async def test_tasks_list_and_node_hold_exactly_the_visible_tasks(
    make_world: MakeWorld, population: Population
) -> None:
    world = await make_world(population)
    gids = _gids(world, "TASK")
    for user, viewer in world.viewers():
        found = await connection(viewer, "tasks")
        expected = {gid for gid, i in gids.items() if _visible(world, user, "TASK", i)}
        assert set(ids_of(found)) == expected, user
        assert found["totalCount"] == len(expected), user
        for gid, index in gids.items():
            response = await viewer.request("query($id: ID!) { node(id: $id) { id } }", {"id": gid})
            seen = response.data is not None and response.data.get("node") is not None
            assert seen is (gid in expected), (user, index)


@ORACLE_SETTINGS
@given(population=populations())
async def test_posts_list_holds_exactly_the_visible_posts(
    make_world: MakeWorld, population: Population
) -> None:
    world = await make_world(population)
    gids = _gids(world, "POST")
    for user, viewer in world.viewers():
        found = await connection(viewer, "posts")
        expected = {gid for gid, i in gids.items() if _visible(world, user, "POST", i)}
        assert set(ids_of(found)) == expected, user
        assert found["totalCount"] == len(expected), user


@ORACLE_SETTINGS
@given(population=populations())
async def test_comments_and_commenting_follow_their_task_or_post(
    make_world: MakeWorld, population: Population
) -> None:
    """A visible task's or post's comments are all listed; an invisible one is null,
    and commenting on it NOT_FOUND."""
    world = await make_world(population)
    for kind, comments in (
        ("TASK", world.loaded.task_comments),
        ("POST", world.loaded.post_comments),
    ):
        for user, viewer in world.viewers():
            for gid, index in _gids(world, kind).items():
                response = await viewer.request(NODE_COMMENTS, {"id": gid})
                visible = _visible(world, user, kind, index)
                if not visible:
                    assert response.is_null(), (user, kind, index)
                    continue
                assert response.data is not None, response.errors
                got = {c["id"] for c in response.data["node"]["comments"]}
                assert got == {global_id("Comment", pk) for pk in comments[index]}, (
                    user,
                    kind,
                    index,
                )
    for user, viewer in world.viewers():
        for gid, index in _gids(world, "TASK").items():
            response = await viewer.request(
                'mutation($id: ID!) { addTaskComment(taskId: $id, body: "seen") { id } }',
                {"id": gid},
            )
            expected = [] if _visible(world, user, "TASK", index) else ["NOT_FOUND"]
            assert response.codes == expected, (user, index)


@ORACLE_SETTINGS
@given(population=populations())
async def test_feed_holds_exactly_the_entries_of_visible_subjects(
    make_world: MakeWorld, population: Population
) -> None:
    world = await make_world(population)
    for user, viewer in world.viewers():
        found = await connection(viewer, "feed")
        expected = {
            global_id("FeedEvent", seq)
            for subject, seq in world.loaded.events.items()
            if world.oracle.subject_visible(user, subject)
        }
        assert set(ids_of(found)) == expected, user
        assert found["totalCount"] == len(expected), user


@ORACLE_SETTINGS
@given(population=populations())
async def test_notifications_are_the_viewers_own_with_visible_subjects(
    make_world: MakeWorld, population: Population
) -> None:
    world = await make_world(population)
    subjects = {
        world.loaded.notifications[user][n]: subject
        for user in world.loaded.notifications
        for n, subject in enumerate(
            subject for owner, subject in population.notifications if owner == user
        )
    }
    for user, viewer in world.viewers():
        found = await connection(viewer, "notifications", "id subject { __typename }")
        own = {global_id("Notification", pk) for pk in world.loaded.notifications.get(user, [])}
        assert set(ids_of(found)) == own, user
        for edge in found["edges"]:
            node: dict[str, Any] = edge["node"]
            pk = next(
                pk
                for pk in world.loaded.notifications[user]
                if global_id("Notification", pk) == node["id"]
            )
            visible = world.oracle.subject_visible(user, subjects[pk])
            assert (node["subject"] is not None) is visible, (user, subjects[pk])
