"""The task workflow: every part against every transition, and the approval path."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from models import SessionFactory, Task, User
from tests.collaboration.factories import Company, Users, events, gid

TASK = """mutation($input: TaskInput!) { createTask(input: $input) { id status } }"""

# What the workflow must allow, written out independently of the rule table in the code:
# mutation → (the parts allowed, the status it starts from, the status it leads to).
EXPECTED = {
    "startTask": ({"RESPONSIBLE", "ACCOMPLICE", "ADMIN"}, "PENDING", "IN_PROGRESS"),
    "deferTask": ({"CREATOR", "RESPONSIBLE", "HEAD", "ADMIN"}, "IN_PROGRESS", "DEFERRED"),
    "completeTask": (
        {"CREATOR", "RESPONSIBLE", "ACCOMPLICE", "HEAD", "ADMIN"},
        "IN_PROGRESS",
        "COMPLETED",
    ),
    "approveTask": ({"CREATOR", "HEAD", "ADMIN"}, "SUPPOSEDLY_COMPLETED", "COMPLETED"),
    "returnTask": ({"CREATOR", "HEAD", "ADMIN"}, "SUPPOSEDLY_COMPLETED", "PENDING"),
    "declineTask": ({"RESPONSIBLE"}, "NEW", "DECLINED"),
    "renewTask": ({"CREATOR", "RESPONSIBLE", "HEAD", "ADMIN"}, "COMPLETED", "PENDING"),
}


def _parts(company: Company) -> dict[str, User]:
    return {
        "CREATOR": company.mia,
        "RESPONSIBLE": company.nina,
        "ACCOMPLICE": company.sam,
        "AUDITOR": company.max,
        "HEAD": company.hugo,
        "ADMIN": company.ada,
    }


async def _task(users: Users, company: Company, *, require_approval: bool = False) -> str:
    creator = await users(company.mia)
    data = await creator.data(
        TASK,
        {
            "input": {
                "title": "Call the client back",
                "responsibleId": gid("User", company.nina.id),
                "accomplicesIds": [gid("User", company.sam.id)],
                "auditorIds": [gid("User", company.max.id)],
                "requireApproval": require_approval,
            }
        },
    )
    task_id: str = data["createTask"]["id"]
    return task_id


async def _set_status(session_factory: SessionFactory, status: str) -> None:
    async with session_factory() as session:
        await session.execute(update(Task).values(status=status))
        await session.commit()


@pytest.mark.parametrize("mutation", sorted(EXPECTED))
async def test_every_part_against_a_transition(
    mutation: str, company: Company, users: Users, session_factory: SessionFactory
) -> None:
    allowed, source, target = EXPECTED[mutation]
    task_id = await _task(users, company)
    query = f"mutation($id: ID!) {{ {mutation}(id: $id) {{ status }} }}"
    for part, user in _parts(company).items():
        await _set_status(session_factory, source)
        response = await (await users(user)).request(query, {"id": task_id})
        if part in allowed:
            assert response.errors == [], (part, response.errors)
            assert response.data == {mutation: {"status": target}}, part
        else:
            assert response.code == "FORBIDDEN", part
    await _set_status(session_factory, source)
    outsider = await (await users(company.owen)).request(query, {"id": task_id})
    assert outsider.code == "NOT_FOUND"
    assert outsider.error_field == "id"


async def test_completion_waits_for_approval_when_asked(company: Company, users: Users) -> None:
    task_id = await _task(users, company, require_approval=True)
    complete = "mutation($id: ID!) { completeTask(id: $id) { status closedAt } }"
    responsible = await users(company.nina)
    done = await responsible.data(complete, {"id": task_id})
    assert done["completeTask"] == {"status": "SUPPOSEDLY_COMPLETED", "closedAt": None}
    returned = await (await users(company.mia)).data(
        "mutation($id: ID!) { returnTask(id: $id) { status } }", {"id": task_id}
    )
    assert returned["returnTask"]["status"] == "PENDING"
    await responsible.data(complete, {"id": task_id})
    approved = await (await users(company.hugo)).data(
        "mutation($id: ID!) { approveTask(id: $id) { status closedAt } }", {"id": task_id}
    )
    assert approved["approveTask"]["status"] == "COMPLETED"
    assert approved["approveTask"]["closedAt"] is not None


async def test_the_creator_completes_an_approval_task_at_once(
    company: Company, users: Users
) -> None:
    task_id = await _task(users, company, require_approval=True)
    data = await (await users(company.mia)).data(
        "mutation($id: ID!) { completeTask(id: $id) { status } }", {"id": task_id}
    )
    assert data["completeTask"]["status"] == "COMPLETED"


async def test_a_transition_from_the_wrong_status_is_a_conflict(
    company: Company, users: Users, session_factory: SessionFactory
) -> None:
    task_id = await _task(users, company)
    await _set_status(session_factory, "COMPLETED")
    response = await (await users(company.nina)).request(
        "mutation($id: ID!) { startTask(id: $id) { status } }", {"id": task_id}
    )
    assert response.code == "CONFLICT"
    assert response.error_field == "status"


# The other rights of the rule table, part by part: (the parts allowed, the mutation).
RIGHTS = {
    "edit": (
        {"CREATOR", "HEAD", "ADMIN"},
        'mutation($id: ID!) { updateTask(id: $id, input: {title: "New title"}) { id } }',
    ),
    "checklist": (
        {"CREATOR", "RESPONSIBLE", "ACCOMPLICE", "HEAD", "ADMIN"},
        'mutation($id: ID!) { addChecklistItem(taskId: $id, title: "Step") { id } }',
    ),
    "delete": ({"CREATOR", "ADMIN"}, "mutation($id: ID!) { deleteTask(id: $id) }"),
    "comment": (
        {"CREATOR", "RESPONSIBLE", "ACCOMPLICE", "AUDITOR", "HEAD", "ADMIN"},
        'mutation($id: ID!) { addTaskComment(taskId: $id, body: "Noted") { id } }',
    ),
}


@pytest.mark.parametrize("right", sorted(RIGHTS))
async def test_every_part_against_a_right(right: str, company: Company, users: Users) -> None:
    allowed, mutation = RIGHTS[right]
    for part, user in _parts(company).items():
        task_id = await _task(users, company)
        response = await (await users(user)).request(mutation, {"id": task_id})
        if part in allowed:
            assert response.errors == [], (part, response.errors)
        else:
            assert response.code == "FORBIDDEN", part
    outsider = await (await users(company.owen)).request(
        mutation, {"id": await _task(users, company)}
    )
    assert outsider.code == "NOT_FOUND"


async def test_a_task_lives_its_whole_life(
    company: Company, users: Users, session_factory: SessionFactory
) -> None:
    """From NEW to COMPLETED and back, each step by someone whose part allows it."""
    task_id = await _task(users, company, require_approval=True)
    steps = [
        (company.nina, "startTask", "IN_PROGRESS"),
        (company.sam, "completeTask", "SUPPOSEDLY_COMPLETED"),
        (company.mia, "returnTask", "PENDING"),
        (company.nina, "deferTask", "DEFERRED"),
        (company.sam, "startTask", "IN_PROGRESS"),
        (company.nina, "completeTask", "SUPPOSEDLY_COMPLETED"),
        (company.hugo, "approveTask", "COMPLETED"),
        (company.nina, "renewTask", "PENDING"),
        (company.nina, "declineTask", "DECLINED"),
        (company.ada, "renewTask", "PENDING"),
        (company.mia, "completeTask", "COMPLETED"),
    ]
    for user, mutation, status in steps:
        data = await (await users(user)).data(
            f"mutation($id: ID!) {{ {mutation}(id: $id) {{ status }} }}", {"id": task_id}
        )
        assert data[mutation]["status"] == status, (user.name, mutation)
        watched = await (await users(company.max)).data(
            "query($id: ID!) { node(id: $id) { ... on Task { status } } }", {"id": task_id}
        )
        assert watched["node"]["status"] == status
    logged = [(event.kind, event.changes) for event in await events(session_factory)]
    assert logged[0][0] == "TASK_CREATED"
    assert [changes["status"][1] for _, changes in logged[1:]] == [s for *_, s in steps]
    assert [kind for kind, _ in logged].count("TASK_COMPLETED") == 2


async def test_viewer_actions_tell_each_part_what_it_may_do_now(
    company: Company, users: Users, session_factory: SessionFactory
) -> None:
    task_id = await _task(users, company)
    await _set_status(session_factory, "PENDING")
    expected = {
        "CREATOR": ["DEFER", "COMPLETE", "EDIT", "DELETE", "EDIT_CHECKLIST"],
        "RESPONSIBLE": ["START", "DEFER", "COMPLETE", "DECLINE", "EDIT_CHECKLIST"],
        "ACCOMPLICE": ["START", "COMPLETE", "EDIT_CHECKLIST"],
        "AUDITOR": [],
        "HEAD": ["DEFER", "COMPLETE", "EDIT", "EDIT_CHECKLIST"],
        "ADMIN": ["START", "DEFER", "COMPLETE", "EDIT", "DELETE", "EDIT_CHECKLIST"],
    }
    query = "query($id: ID!) { node(id: $id) { ... on Task { viewerActions } } }"
    for part, user in _parts(company).items():
        data = await (await users(user)).data(query, {"id": task_id})
        assert data["node"]["viewerActions"] == expected[part], part
    # Mara sees the task as the head of the auditor's department only: she may just read.
    data = await (await users(company.mara)).data(query, {"id": task_id})
    assert data["node"]["viewerActions"] == []
