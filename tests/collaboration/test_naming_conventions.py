"""Renamed API names: the new name works, the old one still works for a release and shows
as deprecated in introspection."""

from __future__ import annotations

from tests.collaboration.factories import Company, Users, gid

CREATE = """mutation($input: TaskInput!) { createTask(input: $input) {
  id accomplices { name } } }"""
UPDATE = """mutation($id: ID!, $input: TaskPatch!) { updateTask(id: $id, input: $input) {
  accomplices { name } } }"""
INPUT_FIELDS = """query($name: String!) { __type(name: $name) {
  inputFields(includeDeprecated: true) { name isDeprecated deprecationReason } } }"""


async def test_accomplice_ids_and_its_deprecated_old_name_both_set_accomplices(
    company: Company, users: Users
) -> None:
    mia = await users(company.mia)
    sam, max_ = gid("User", company.sam.id), gid("User", company.max.id)
    for name in ("accompliceIds", "accomplicesIds"):
        created = (await mia.data(CREATE, {"input": {"title": name, name: [sam]}}))["createTask"]
        assert created["accomplices"] == [{"name": company.sam.name}], name
        updated = await mia.data(UPDATE, {"id": created["id"], "input": {name: [max_]}})
        assert updated["updateTask"]["accomplices"] == [{"name": company.max.name}], name
        unknown = await mia.request(CREATE, {"input": {"title": "t", name: [gid("User", 9999)]}})
        assert (unknown.code, unknown.error_field) == ("NOT_FOUND", name)
    both = {"title": "t", "accompliceIds": [sam], "accomplicesIds": [sam]}
    refused = await mia.request(CREATE, {"input": both})
    assert (refused.code, refused.error_field) == ("BAD_USER_INPUT", "accomplicesIds")
    task = (await mia.data(CREATE, {"input": {"title": "t"}}))["createTask"]["id"]
    refused = await mia.request(
        UPDATE, {"id": task, "input": {"accompliceIds": [], "accomplicesIds": []}}
    )
    assert (refused.code, refused.error_field) == ("BAD_USER_INPUT", "accomplicesIds")


async def test_the_old_name_shows_as_deprecated_in_introspection(
    company: Company, users: Users
) -> None:
    mia = await users(company.mia)
    for type_name in ("TaskInput", "TaskPatch"):
        fields = (await mia.data(INPUT_FIELDS, {"name": type_name}))["__type"]["inputFields"]
        by_name = {field["name"]: field for field in fields}
        assert by_name["accompliceIds"]["isDeprecated"] is False, type_name
        assert by_name["auditorIds"]["isDeprecated"] is False, type_name
        old = by_name["accomplicesIds"]
        assert old["isDeprecated"] is True, type_name
        assert "accompliceIds" in old["deprecationReason"], type_name
        visible = await mia.data(
            "query($name: String!) { __type(name: $name) { inputFields { name } } }",
            {"name": type_name},
        )
        assert "accomplicesIds" not in {f["name"] for f in visible["__type"]["inputFields"]}
