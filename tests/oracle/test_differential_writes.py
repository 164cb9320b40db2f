"""Write attempts against the oracle: each succeeds exactly where the oracle allows it;
an unreadable target is NOT_FOUND, a readable one the viewer may not change FORBIDDEN.

Writes change the population: after a successful move or deletion the oracle judges the
changed population (a new ``Oracle`` over it), so later attempts see what earlier ones did.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given

from tests.client import Response
from tests.crm.api import global_id
from tests.oracle.domain import PHONES, PIPELINES, Action, Entity, Population, Record, Semantics
from tests.oracle.model import Oracle
from tests.oracle.population import populations
from tests.oracle.world import ORACLE_SETTINGS, MakeWorld, World

UPDATE_ACTIVITY = """mutation($id: ID!) {
  updateActivity(id: $id, input: {subject: "changed"}) { id }
}"""


def _expect(response: Response, readable: bool, allowed: bool, context: object) -> bool:
    """Whether the write went through; asserts the answer the oracle expects."""
    if not readable:
        assert response.codes == ["NOT_FOUND"], (context, response.errors)
        return False
    assert response.codes == ([] if allowed else ["FORBIDDEN"]), (context, response.errors)
    return allowed


@ORACLE_SETTINGS
@given(population=populations())
async def test_update_deal_succeeds_exactly_where_allowed(
    make_world: MakeWorld, population: Population
) -> None:
    world = await make_world(population)
    document = (
        "mutation($id: ID!, $title: String) { updateDeal(id: $id, input: {title: $title}) { id } }"
    )
    for user, viewer in world.viewers():
        for index, _deal in enumerate(population.records[Entity.DEAL]):
            ref = (Entity.DEAL, index)
            # A new title each time: an unchanged value is no change, hence no refusal.
            variables = {"id": world.loaded.gid(*ref), "title": f"renamed by {user}"}
            response = await viewer.request(document, variables)
            readable = world.oracle.readable(user, ref)
            _expect(response, readable, world.oracle.may_update(user, ref, "title"), (user, index))


@ORACLE_SETTINGS
@given(population=populations())
async def test_delete_deal_succeeds_exactly_where_allowed(
    make_world: MakeWorld, population: Population
) -> None:
    world = await make_world(population)
    deleted: set[int] = set()
    for user, viewer in world.viewers():
        for index in range(len(population.records[Entity.DEAL])):
            ref = (Entity.DEAL, index)
            response = await viewer.request(
                "mutation($id: ID!) { deleteDeal(id: $id) }", {"id": world.loaded.gid(*ref)}
            )
            readable = index not in deleted and world.oracle.readable(user, ref)
            if _expect(response, readable, world.oracle.may_delete(user, ref), (user, index)):
                deleted.add(index)


@ORACLE_SETTINGS
@given(population=populations())
async def test_move_deal_succeeds_exactly_where_allowed(
    make_world: MakeWorld, population: Population
) -> None:
    """Each viewer tries the next stage and the pipeline's won stage of every deal whose
    stage they see."""
    world = await make_world(population)
    for user, viewer in world.viewers():
        for index in range(len(population.records[Entity.DEAL])):
            ref = (Entity.DEAL, index)
            if world.oracle.readable(user, ref) and not world.oracle.shows(user, ref, "stage"):
                continue
            for target in _targets(world.population.records[Entity.DEAL][index]):
                response = await viewer.request(
                    "mutation($id: ID!, $stage: ID!) { moveDeal(id: $id, stageId: $stage) { id } }",
                    {"id": world.loaded.gid(*ref), "stage": world.loaded.stage_gid(target)},
                )
                allowed = target in world.oracle.allowed_stages(user, index)
                readable = world.oracle.readable(user, ref)
                if _expect(response, readable, allowed, (user, index, target)):
                    _move(world, index, target)


def _targets(deal: Record) -> list[tuple[int, int]]:
    assert isinstance(deal.status, tuple)
    pipeline, stage = deal.status
    stages = PIPELINES[pipeline]
    won = next(i for i, (_n, s) in enumerate(stages) if s is Semantics.SUCCESS)
    return [(pipeline, i) for i in dict.fromkeys(((stage + 1) % len(stages), won)) if i != stage]


def _move(world: World, index: int, target: tuple[int, int]) -> None:
    deals = list(world.population.records[Entity.DEAL])
    deals[index] = replace(deals[index], status=target)
    records = world.population.records | {Entity.DEAL: tuple(deals)}
    world.population = replace(world.population, records=records)
    world.oracle = Oracle(world.population)


@ORACLE_SETTINGS
@given(population=populations())
async def test_create_deal_follows_create_rights_and_stage_transitions(
    make_world: MakeWorld, population: Population
) -> None:
    world = await make_world(population)
    document = "mutation($input: DealInput!) { createDeal(input: $input) { id } }"
    for user, viewer in world.viewers():
        for pipeline, stages in enumerate(PIPELINES):
            for stage in (0, next(i for i, (_n, s) in enumerate(stages) if s is Semantics.SUCCESS)):
                record = Record(Entity.DEAL, user, False, "new deal", status=(pipeline, stage))
                response = await viewer.request(
                    document,
                    {
                        "input": {
                            "title": "new deal",
                            "pipelineId": global_id("Pipeline", world.loaded.pipelines[pipeline]),
                            "stageId": world.loaded.stage_gid((pipeline, stage)),
                            "assignedToId": global_id("User", world.loaded.ids["USER"][user]),
                            "opened": False,
                        }
                    },
                )
                allowed = world.oracle.may_create_deal(user, record)
                assert response.codes == ([] if allowed else ["FORBIDDEN"]), (
                    user,
                    (pipeline, stage),
                    response.errors,
                )


@ORACLE_SETTINGS
@given(population=populations())
async def test_activity_writes_need_the_right_to_change_every_bound_record(
    make_world: MakeWorld, population: Population
) -> None:
    world = await make_world(population)
    deleted: set[int] = set()
    for user, viewer in world.viewers():
        for index, pk in enumerate(world.loaded.ids["ACTIVITY"]):
            gid = global_id("Activity", pk)
            readable = index not in deleted and world.oracle.activity_readable(user, index)
            updatable = world.oracle.activity_changeable(user, index, Action.UPDATE)
            response = await viewer.request(UPDATE_ACTIVITY, {"id": gid})
            _expect(response, readable, updatable, ("update", user, index))
            deletable = world.oracle.activity_changeable(user, index, Action.DELETE)
            response = await viewer.request(
                "mutation($id: ID!) { deleteActivity(id: $id) }", {"id": gid}
            )
            if _expect(response, readable, deletable, ("delete", user, index)):
                deleted.add(index)


@ORACLE_SETTINGS
@given(population=populations())
async def test_is_repeat_reveals_only_readable_customers(
    make_world: MakeWorld, population: Population
) -> None:
    """A new lead is a repeat only if a contact or company the creator may read has its
    phone; one whose phone the creator sees makes it one."""
    world = await make_world(population)
    document = "mutation($input: LeadInput!) { createLead(input: $input) { isRepeat } }"
    for user, viewer in world.viewers():
        for phone in PHONES:
            response = await viewer.request(
                document,
                {
                    "input": {
                        "title": "repeat?",
                        "assignedToId": global_id("User", world.loaded.ids["USER"][user]),
                        "communications": [{"kind": "PHONE", "value": phone}],
                    }
                },
            )
            if response.errors:
                assert response.codes == ["FORBIDDEN"], response.errors
                continue
            assert response.data is not None
            customers = [
                (entity, i)
                for entity in (Entity.CONTACT, Entity.COMPANY)
                for i, record in enumerate(population.records[entity])
                if record.phone == phone
            ]
            readable = [ref for ref in customers if world.oracle.readable(user, ref)]
            seen = [ref for ref in readable if world.oracle.shows(user, ref, "communications")]
            repeat = response.data["createLead"]["isRepeat"]
            if repeat:
                assert readable, (user, phone, "a repeat of records the creator cannot read")
            if seen:
                assert repeat, (user, phone, "not a repeat of a record the creator sees")
