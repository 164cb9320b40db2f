"""Issue #4's table: every level x action on every entity, for records owned by the viewer,
a colleague in the same department, a member of a sub-department and a user of another
department, opened and not; each READ denial is tried through every read path, each write
denial through its mutation.

Unreadable records answer NOT_FOUND everywhere, and `node` null (their existence is not
revealed); readable records the viewer may not change answer FORBIDDEN.
"""

from __future__ import annotations

from typing import Any

import pytest

from models import AccessAction, AccessLevel, SessionFactory
from models.crm import CrmEntity
from tests.client import GraphQLClient
from tests.conftest import logged_in
from tests.crm.access_table import (
    HUBS,
    LEVELS,
    LISTS,
    OWNERS,
    PHONE,
    TOKEN,
    TYPE_NAMES,
    Table,
    Target,
    build_table,
    reaches,
)
from tests.crm.api import global_id
from tests.factories import Seed, grant_role

ENTITIES = list(CrmEntity)
READ_ALL = {(entity, AccessAction.READ): AccessLevel.ALL for entity in CrmEntity}

UPDATES = {
    CrmEntity.LEAD: ("updateLead", "{title: $value}"),
    CrmEntity.CONTACT: ("updateContact", "{lastName: $value}"),
    CrmEntity.COMPANY: ("updateCompany", "{title: $value}"),
    CrmEntity.DEAL: ("updateDeal", "{title: $value}"),
}
CREATES = {
    CrmEntity.LEAD: ("createLead", "title"),
    CrmEntity.CONTACT: ("createContact", "lastName"),
    CrmEntity.COMPANY: ("createCompany", "title"),
    CrmEntity.DEAL: ("createDeal", "title"),
}


async def _viewer(
    client: GraphQLClient,
    session_factory: SessionFactory,
    seed: Seed,
    levels: dict[tuple[CrmEntity, AccessAction], AccessLevel],
) -> GraphQLClient:
    await grant_role(session_factory, "Under test", levels, user=seed.head)
    return await logged_in(client, seed.head.email)


def _update_document(mutation: str, patch: str) -> str:
    return f"mutation($id: ID!, $value: String) {{ {mutation}(id: $id, input: {patch}) {{ id }} }}"


def _ids(nodes: list[dict[str, Any]]) -> set[str]:
    return {node["id"] for node in nodes}


@pytest.mark.parametrize("level", LEVELS, ids=lambda level: level.value)
@pytest.mark.parametrize("entity", ENTITIES, ids=lambda entity: entity.value)
async def test_read_reaches_exactly_the_level_on_every_path(
    entity: CrmEntity,
    level: AccessLevel,
    client: GraphQLClient,
    admin: GraphQLClient,
    session_factory: SessionFactory,
    seed: Seed,
) -> None:
    table = await build_table(session_factory, seed, entity)
    viewer = await _viewer(
        client, session_factory, seed, READ_ALL | {(entity, AccessAction.READ): level}
    )
    expected = {
        table.id(target) for target in table.targets if reaches(level, target.owner, target.opened)
    }

    await _assert_lists(viewer, table, expected)
    duplicates = await _duplicates(viewer, entity)
    for target in table.targets:
        visible = table.id(target) in expected
        context = f"{entity.value} {level.value} {target.key}"
        assert await _node_visible(viewer, table, target) is visible, context
        assert await _nested_visible(viewer, table, target) is visible, context
        if duplicates is not None:
            assert (table.id(target) in duplicates) is visible, context
        assert await _timeline_reachable(viewer, table, target) is visible, context
        assert await _explained(admin, seed, table, target) is visible, context


async def _assert_lists(viewer: GraphQLClient, table: Table, expected: set[str]) -> None:
    name = LISTS[table.entity]
    for filter in ("", f'filter: {{search: "{TOKEN}"}}'):
        data = await viewer.data(
            f"{{ {name}(first: 50 {filter}) {{ totalCount edges {{ node {{ id }} }} }} }}"
        )
        assert _ids([edge["node"] for edge in data[name]["edges"]]) == expected, filter
        assert data[name]["totalCount"] == len(expected), filter


async def _node_visible(viewer: GraphQLClient, table: Table, target: Target) -> bool:
    response = await viewer.request(
        "query($id: ID!) { node(id: $id) { id } }", {"id": table.id(target)}
    )
    if response.is_null():
        return False
    assert response.data is not None
    return bool(response.data["node"]["id"] == table.id(target))


async def _nested_visible(viewer: GraphQLClient, table: Table, target: Target) -> bool:
    hub_type, selection = HUBS[table.entity]
    data = await viewer.data(
        f"query($id: ID!) {{ node(id: $id) {{ {selection} }} }}",
        {"id": global_id(hub_type, target.hub_pk)},
    )
    related = data["node"]["related"]
    if isinstance(related, list):
        return table.id(target) in _ids(related)
    return related is not None and related["id"] == table.id(target)


async def _duplicates(viewer: GraphQLClient, entity: CrmEntity) -> set[str] | None:
    if entity is CrmEntity.DEAL:
        return None  # deals carry no phones; duplicates answers leads, contacts, companies
    data = await viewer.data(
        "query($phone: String) { duplicates(phone: $phone) {"
        " leads { id } contacts { id } companies { id } } }",
        {"phone": PHONE},
    )
    return _ids(data["duplicates"][LISTS[entity]])


async def _timeline_reachable(viewer: GraphQLClient, table: Table, target: Target) -> bool:
    response = await viewer.request(
        'mutation($id: ID!) { addTimelineComment(recordId: $id, body: "seen") { id } }',
        {"id": table.id(target)},
    )
    if response.errors:
        assert response.code == "NOT_FOUND"
        return False
    data = await viewer.data(
        f"query($id: ID!) {{ node(id: $id) {{ ... on {TYPE_NAMES[table.entity]} {{"
        " timeline { totalCount } } } }",
        {"id": table.id(target)},
    )
    return bool(data["node"]["timeline"]["totalCount"] >= 1)


async def _explained(admin: GraphQLClient, seed: Seed, table: Table, target: Target) -> bool:
    data = await admin.data(
        "query($user: ID!, $node: ID!) {"
        " explainAccess(userId: $user, nodeId: $node, action: READ) { allowed reason } }",
        {"user": global_id("User", seed.head.id), "node": table.id(target)},
    )
    return bool(data["explainAccess"]["allowed"])


@pytest.mark.parametrize("level", LEVELS, ids=lambda level: level.value)
@pytest.mark.parametrize("entity", ENTITIES, ids=lambda entity: entity.value)
async def test_update_and_delete_reach_exactly_the_level(
    entity: CrmEntity,
    level: AccessLevel,
    client: GraphQLClient,
    session_factory: SessionFactory,
    seed: Seed,
) -> None:
    table = await build_table(session_factory, seed, entity)
    viewer = await _viewer(
        client,
        session_factory,
        seed,
        READ_ALL | {(entity, AccessAction.UPDATE): level, (entity, AccessAction.DELETE): level},
    )
    mutation, patch = UPDATES[entity]
    for target in table.targets:
        allowed = reaches(level, target.owner, target.opened)
        context = f"{entity.value} {level.value} {target.key}"
        updated = await viewer.request(
            _update_document(mutation, patch),
            {"id": table.id(target), "value": f"{TOKEN} changed"},
        )
        assert updated.codes == ([] if allowed else ["FORBIDDEN"]), context
        deleted = await viewer.request(
            f"mutation($id: ID!) {{ delete{TYPE_NAMES[entity]}(id: $id) }}",
            {"id": table.id(target)},
        )
        assert deleted.codes == ([] if allowed else ["FORBIDDEN"]), context


@pytest.mark.parametrize("entity", ENTITIES, ids=lambda entity: entity.value)
async def test_writes_to_unreadable_records_answer_not_found(
    entity: CrmEntity, client: GraphQLClient, session_factory: SessionFactory, seed: Seed
) -> None:
    """UPDATE and DELETE ALL, but READ OWN: others' records are not even there."""
    table = await build_table(session_factory, seed, entity)
    viewer = await _viewer(
        client,
        session_factory,
        seed,
        READ_ALL
        | {
            (entity, AccessAction.READ): AccessLevel.OWN,
            (entity, AccessAction.UPDATE): AccessLevel.ALL,
            (entity, AccessAction.DELETE): AccessLevel.ALL,
        },
    )
    mutation, patch = UPDATES[entity]
    for target in table.targets:
        expected = [] if target.owner == "own" else ["NOT_FOUND"]
        updated = await viewer.request(
            _update_document(mutation, patch),
            {"id": table.id(target), "value": "changed"},
        )
        assert updated.codes == expected, target.key
        deleted = await viewer.request(
            f"mutation($id: ID!) {{ delete{TYPE_NAMES[entity]}(id: $id) }}",
            {"id": table.id(target)},
        )
        assert deleted.codes == expected, target.key


@pytest.mark.parametrize("level", LEVELS, ids=lambda level: level.value)
@pytest.mark.parametrize("entity", ENTITIES, ids=lambda entity: entity.value)
async def test_create_reaches_exactly_the_level(
    entity: CrmEntity,
    level: AccessLevel,
    client: GraphQLClient,
    session_factory: SessionFactory,
    seed: Seed,
) -> None:
    table = await build_table(session_factory, seed, entity)
    viewer = await _viewer(
        client, session_factory, seed, READ_ALL | {(entity, AccessAction.CREATE): level}
    )
    mutation, name_field = CREATES[entity]
    for owner in OWNERS:
        for opened in (True, False):
            response = await viewer.request(
                f"mutation($input: {TYPE_NAMES[entity]}Input!)"
                f" {{ {mutation}(input: $input) {{ id }} }}",
                {
                    "input": {
                        name_field: "New",
                        "assignedToId": global_id("User", table.owners[owner].id),
                        "opened": opened,
                    }
                },
            )
            allowed = reaches(level, owner, opened)
            context = f"{entity.value} {level.value} {owner} opened={opened}"
            assert response.codes == ([] if allowed else ["FORBIDDEN"]), context
