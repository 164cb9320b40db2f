"""Field rules name GraphQL fields (``ENTITY_FIELDS``), and others reveal them (``REVEALING``);
each must exist on its CRM type, be nullable (a hidden field is null) and be masked."""

from __future__ import annotations

import pytest
from graphql import GraphQLNonNull, GraphQLObjectType
from strawberry.types.base import StrawberryObjectDefinition

from auth.policy import maskable_fields
from models.crm import CrmEntity
from models.crm.entities import declaration_of
from schema import build_schema
from schema.crm.masking import Masked
from tests.crm.access_table import TYPE_NAMES


@pytest.mark.parametrize("entity", list(CrmEntity), ids=lambda entity: entity.value)
def test_every_ruled_field_is_nullable_and_masked(entity: CrmEntity) -> None:
    schema = build_schema()
    graphql_type = schema._schema.get_type(TYPE_NAMES[entity])
    assert isinstance(graphql_type, GraphQLObjectType)
    definition = schema.get_type_by_name(TYPE_NAMES[entity])
    assert isinstance(definition, StrawberryObjectDefinition)
    masked = {
        schema.config.name_converter.get_graphql_name(field)
        for field in definition.fields
        if any(isinstance(extension, Masked) for extension in field.extensions)
    }
    for name in sorted(maskable_fields(entity)):
        assert name in graphql_type.fields, name
        assert not isinstance(graphql_type.fields[name].type, GraphQLNonNull), name
        assert name in masked, name


@pytest.mark.parametrize("entity", list(CrmEntity), ids=lambda entity: entity.value)
def test_every_declared_field_is_a_field_of_its_type(entity: CrmEntity) -> None:
    """The object types are written out for their resolvers: a field declared and not shown,
    or a field shown that no declaration knows, fails here rather than drifting."""
    graphql_type = build_schema()._schema.get_type(TYPE_NAMES[entity])
    assert isinstance(graphql_type, GraphQLObjectType)
    declared = {field.name for field in declaration_of(entity).fields}
    assert declared - set(graphql_type.fields) == set()
    assert set(graphql_type.fields) - declared == _NOT_FIELDS_OF_THE_RECORD[entity]


# What a record's type shows besides its declared fields: what you may do with it, its
# custom fields, tasks, timeline and attachments; a contact's name (of its name fields); a deal's
# semantics and stage history (told by its stage) and the stages it may move to.
_ON_EVERY_RECORD = {"access", "attachments", "customField", "customFields", "tasks", "timeline"}
_NOT_FIELDS_OF_THE_RECORD = {
    CrmEntity.LEAD: _ON_EVERY_RECORD,
    CrmEntity.CONTACT: _ON_EVERY_RECORD | {"name"},
    CrmEntity.COMPANY: _ON_EVERY_RECORD,
    CrmEntity.DEAL: _ON_EVERY_RECORD | {"allowedStages", "semantics", "stageHistory"},
}
