"""Every read path against the oracle, for every user of generated populations.

One test function per path, so that a path with a known leak can be marked alone. Each
example empties the tables and loads a new population (see ``world.py``).
"""

from __future__ import annotations

from hypothesis import given

from tests.crm.api import global_id
from tests.oracle.domain import Action, Entity, Population
from tests.oracle.live import with_actor
from tests.oracle.population import populations
from tests.oracle.world import (
    FIELD_RULE_SETTINGS,
    LISTS,
    ORACLE_SETTINGS,
    MakeWorld,
    World,
    connection,
    ids_of,
)

NESTED = {
    Entity.DEAL: "company { id } contacts { id }",
    Entity.COMPANY: "deals { id } contacts { id }",
    Entity.CONTACT: "companies { id }",
    Entity.LEAD: "id",
}


@ORACLE_SETTINGS
@given(population=populations())
async def test_crm_lists_hold_exactly_the_readable_records(
    make_world: MakeWorld, population: Population
) -> None:
    world = await make_world(population)
    for user, viewer in world.viewers():
        for entity, field in LISTS.items():
            found = await connection(viewer, field)
            expected = {
                world.loaded.gid(entity, i) for i in world.oracle.readable_refs(user, entity)
            }
            assert set(ids_of(found)) == expected, (user, field)
            assert found["totalCount"] == len(expected), (user, field)


@ORACLE_SETTINGS
@given(population=populations())
async def test_node_answers_exactly_the_readable_records(
    make_world: MakeWorld, population: Population
) -> None:
    world = await make_world(population)
    for user, viewer in world.viewers():
        for entity, index in population.refs():
            gid = world.loaded.gid(entity, index)
            response = await viewer.request("query($id: ID!) { node(id: $id) { id } }", {"id": gid})
            visible = response.data is not None and (response.data.get("node") or {}).get("id")
            if not visible:
                assert response.is_null(), response.errors
            readable = world.oracle.readable(user, (entity, index))
            assert bool(visible) is readable, (user, entity, index)


@ORACLE_SETTINGS
@given(population=populations())
async def test_nested_relations_hold_only_readable_records(
    make_world: MakeWorld, population: Population
) -> None:
    """deal.company, deal.contacts, company.deals, company.contacts, contact.companies: null
    when the relation is a hidden field, else exactly the readable related records that do
    not hide their own end of the link."""
    world = await make_world(population)
    oracle = world.oracle
    for user, viewer in world.viewers():
        for entity in (Entity.DEAL, Entity.COMPANY, Entity.CONTACT):
            found = await connection(viewer, LISTS[entity], f"id {NESTED[entity]}")
            by_gid = {edge["node"]["id"]: edge["node"] for edge in found["edges"]}
            for index in oracle.readable_refs(user, entity):
                node = by_gid[world.loaded.gid(entity, index)]
                for relation, (target, linked) in _relations(population, entity, index).items():
                    context = (user, entity, index, relation)
                    if not oracle.shows(user, (entity, index), relation):
                        assert node[relation] is None, context
                        continue
                    back = OTHER_END.get((entity, relation))
                    expected = {
                        world.loaded.gid(target, i)
                        for i in linked
                        if oracle.readable(user, (target, i))
                        and (back is None or oracle.shows(user, (target, i), back))
                    }
                    value = node[relation]
                    got = (
                        {value["id"]} if isinstance(value, dict) else {n["id"] for n in value or []}
                    )
                    assert got == expected, context


# The field that shows a link from the linked record's side (contacts show no deals).
OTHER_END = {
    (Entity.DEAL, "company"): "deals",
    (Entity.COMPANY, "deals"): "company",
    (Entity.CONTACT, "companies"): "contacts",
    (Entity.COMPANY, "contacts"): "companies",
}


def _relations(
    population: Population, entity: Entity, index: int
) -> dict[str, tuple[Entity, set[int]]]:
    record = population.records[entity][index]
    if entity is Entity.DEAL:
        return {
            "company": (Entity.COMPANY, set() if record.company is None else {record.company}),
            "contacts": (Entity.CONTACT, set(record.contacts)),
        }
    if entity is Entity.CONTACT:
        return {"companies": (Entity.COMPANY, set(record.companies))}
    deals = population.records[Entity.DEAL]
    contacts = population.records[Entity.CONTACT]
    return {
        "deals": (Entity.DEAL, {i for i, deal in enumerate(deals) if deal.company == index}),
        "contacts": (Entity.CONTACT, {i for i, c in enumerate(contacts) if index in c.companies}),
    }


@FIELD_RULE_SETTINGS
@given(population=populations())
async def test_hidden_fields_match_the_oracle(
    make_world: MakeWorld, population: Population
) -> None:
    world = await make_world(population)
    for user, viewer in world.viewers():
        for entity, field in LISTS.items():
            found = await connection(viewer, field, "id access { hiddenFields }")
            for node in (edge["node"] for edge in found["edges"]):
                (index,) = world.loaded.index_of(entity, [node["id"]])
                expected = world.oracle.hidden_fields(user, (entity, index))
                assert set(node["access"]["hiddenFields"]) == expected, (user, entity, index)


@ORACLE_SETTINGS
@given(population=populations())
async def test_hidden_values_are_null(make_world: MakeWorld, population: Population) -> None:
    selections = {
        Entity.LEAD: ("title", "lastName", "status { id }", "assignedTo { id }", "opened"),
        Entity.CONTACT: ("lastName", "communications { value }", "assignedTo { id }"),
        Entity.COMPANY: ("title", "industry", "communications { value }"),
        Entity.DEAL: (
            "title",
            "amount",
            "stage { id }",
            "assignedTo { id }",
            # A custom field, under its code: null where hidden, like a built-in field.
            'UF_NOTE: customField(code: "UF_NOTE") { values { string } }',
        ),
    }
    world = await make_world(population)
    for user, viewer in world.viewers():
        for entity, fields in selections.items():
            found = await connection(viewer, LISTS[entity], "id " + " ".join(fields))
            for node in (edge["node"] for edge in found["edges"]):
                (index,) = world.loaded.index_of(entity, [node["id"]])
                hidden = world.oracle.hidden_fields(user, (entity, index))
                record = population.records[entity][index]
                for name in (selection.split(" ")[0].rstrip(":") for selection in fields):
                    context = (user, entity, index, name)
                    if name in hidden:
                        assert node[name] is None, context
                    elif name == "assignedTo":
                        responsible = record.responsible
                        expected = (
                            None if responsible is None else {"id": _user_gid(world, responsible)}
                        )
                        assert node[name] == expected, context
                    else:
                        assert node[name] is not None, context


@ORACLE_SETTINGS
@given(population=populations())
async def test_can_update_and_can_delete_match_the_oracle(
    make_world: MakeWorld, population: Population
) -> None:
    world = await make_world(population)
    for user, viewer in world.viewers():
        for entity, field in LISTS.items():
            found = await connection(viewer, field, "id access { canUpdate canDelete }")
            for node in (edge["node"] for edge in found["edges"]):
                (index,) = world.loaded.index_of(entity, [node["id"]])
                ref, context = (entity, index), (user, entity, index)
                assert node["access"]["canUpdate"] is world.oracle.may_update(user, ref), context
                assert node["access"]["canDelete"] is world.oracle.may_delete(user, ref), context


@FIELD_RULE_SETTINGS
@given(population=populations())
async def test_read_only_fields_match_the_oracle(
    make_world: MakeWorld, population: Population
) -> None:
    world = await make_world(population)
    for user, viewer in world.viewers():
        for entity, field in LISTS.items():
            found = await connection(viewer, field, "id access { readOnlyFields }")
            for node in (edge["node"] for edge in found["edges"]):
                (index,) = world.loaded.index_of(entity, [node["id"]])
                expected = world.oracle.read_only_fields(user, (entity, index))
                assert set(node["access"]["readOnlyFields"]) == expected, (user, entity, index)


@ORACLE_SETTINGS
@given(population=populations())
async def test_activities_are_read_through_their_readable_records(
    make_world: MakeWorld, population: Population
) -> None:
    world = await make_world(population)
    oracle, loaded = world.oracle, world.loaded
    selection = "id owners { ... on Node { id } }"
    for user, viewer in world.viewers():
        found = await connection(viewer, "activities", selection)
        ids = {global_id("Activity", pk): i for i, pk in enumerate(loaded.ids["ACTIVITY"])}
        expected = {gid for gid, index in ids.items() if oracle.activity_readable(user, index)}
        assert set(ids_of(found)) == expected, user
        assert found["totalCount"] == len(expected), user
        for edge in found["edges"]:
            index = ids[edge["node"]["id"]]
            owners = {owner["id"] for owner in edge["node"]["owners"]}
            readable = {
                loaded.gid(entity, i)
                for entity, i in population.activities[index].bindings
                if oracle.readable(user, (entity, i))
            }
            assert owners == readable, (user, index)


@FIELD_RULE_SETTINGS
@given(population=populations())
async def test_allowed_stages_match_the_oracle(
    make_world: MakeWorld, population: Population
) -> None:
    """Within the stages the viewer may UPDATE the deal in before and after the move, and
    nothing at all when the deal's stage is hidden from the viewer."""
    world = await make_world(population)
    for user, viewer in world.viewers():
        found = await connection(viewer, "deals", "id allowedStages { id }")
        for node in (edge["node"] for edge in found["edges"]):
            (index,) = world.loaded.index_of(Entity.DEAL, [node["id"]])
            got = [stage["id"] for stage in node["allowedStages"]]
            if not world.oracle.shows(user, (Entity.DEAL, index), "stage"):
                assert got == [], (user, index, "stage hidden")
                continue
            expected = [world.loaded.stage_gid(s) for s in world.oracle.allowed_stages(user, index)]
            assert got == expected, (user, index)


def _user_gid(world: World, user: int) -> str:
    return global_id("User", world.loaded.ids["USER"][user])


@ORACLE_SETTINGS
@given(population=populations())
async def test_explain_access_decides_as_the_oracle(
    make_world: MakeWorld, population: Population
) -> None:
    """An administrator asks ``explainAccess`` for every user, record and action: its
    ``allowed`` is the oracle's decision."""
    world = await make_world(with_actor(population))
    actor = world.clients[-1]
    refs = world.population.refs()
    for user in range(len(population.users)):
        for action in (Action.READ, Action.UPDATE, Action.DELETE):
            asked = " ".join(
                f'r{n}: explainAccess(userId: "{_user_gid(world, user)}",'
                f' nodeId: "{world.loaded.gid(*ref)}", action: {action.value}) {{ allowed }}'
                for n, ref in enumerate(refs)
            )
            answered = await actor.data(f"{{ {asked} }}")
            for n, ref in enumerate(refs):
                expected = world.oracle.allows(user, action, world.population.record(ref))
                assert answered[f"r{n}"]["allowed"] is expected, (user, action, ref)
