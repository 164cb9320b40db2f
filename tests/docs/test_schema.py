"""schema.graphql is the schema the API serves, and the schema documents itself.

The committed SDL makes every API change show in review; `make schema` regenerates it. Every
type, field, argument, enum value and input field carries a description, since the schema is
the reference a client developer reads (GraphiQL, codegen).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from pathlib import Path
from typing import cast

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    IntrospectionQuery,
    build_client_schema,
    get_introspection_query,
    lexicographic_sort_schema,
    print_schema,
)
from graphql import build_schema as parse_sdl
from graphql.type.scalars import specified_scalar_types

from crmhub.cli import main
from crmhub.sdl import SDL_FILE, served_sdl
from schema import build_schema
from tests.client import GraphQLClient

REGENERATE = "schema.graphql differs from the served schema: run `make schema` and commit it"

# Types whose descriptions come from the CRM entity declaration, which is written apart
# from the rest of the schema: leads, contacts, companies, deals, their filters, orders,
# inputs, patches and root query / mutation classes, and the pieces they share. The walk
# below skips their elements (and the root fields those query / mutation classes define).
DESCRIBED_BY_CRM_DECLARATION = frozenset(
    {
        "Lead",
        "LeadFilter",
        "LeadOrder",
        "LeadOrderField",
        "LeadInput",
        "LeadPatch",
        "ConvertLeadInput",
        "ConvertLeadPayload",
        "LeadQueries",
        "LeadMutations",
        "Contact",
        "ContactFilter",
        "ContactOrder",
        "ContactOrderField",
        "ContactInput",
        "ContactPatch",
        "ContactQueries",
        "ContactMutations",
        "Company",
        "CompanyFilter",
        "CompanyOrder",
        "CompanyOrderField",
        "CompanyInput",
        "CompanyPatch",
        "CompanyQueries",
        "CompanyMutations",
        "Deal",
        "DealStageMove",
        "DealFilter",
        "DealOrder",
        "DealOrderField",
        "DealInput",
        "DealPatch",
        "DealQueries",
        "DealMutations",
        "IDFilter",
        "StringFilter",
        "DecimalFilter",
        "IntFilter",
        "DateTimeFilter",
        "Communication",
        "CommunicationInput",
        "CommunicationKind",
        "Semantics",
    }
)


def test_the_committed_sdl_is_the_schema_built() -> None:
    committed = SDL_FILE.read_text() if SDL_FILE.exists() else ""
    served = served_sdl()
    if committed != served:
        diff = difflib.unified_diff(
            committed.splitlines(), served.splitlines(), "schema.graphql", "served", lineterm=""
        )
        raise AssertionError("\n".join([REGENERATE, *list(diff)[:40]]))


def test_make_schema_writes_the_committed_sdl(tmp_path: Path) -> None:
    # What `make schema` runs.
    written = tmp_path / "schema.graphql"
    assert main(["export-schema", "--output", str(written)]) == 0
    assert written.read_text() == SDL_FILE.read_text(), REGENERATE


async def test_the_committed_sdl_is_what_introspection_answers(client: GraphQLClient) -> None:
    # Introspection is open without a token, as GraphiQL needs it before login.
    introspection = await client.data(
        get_introspection_query(
            descriptions=True,
            specified_by_url=True,
            directive_is_repeatable=True,
            input_value_deprecation=True,
        )
    )
    served_schema = build_client_schema(cast(IntrospectionQuery, introspection))
    served = print_schema(lexicographic_sort_schema(served_schema))
    committed = print_schema(lexicographic_sort_schema(parse_sdl(SDL_FILE.read_text())))
    assert served == committed, REGENERATE


def test_every_schema_element_has_a_description() -> None:
    undescribed = list(undescribed_elements(build_schema()._schema))
    assert not undescribed, f"{len(undescribed)} schema elements lack a description:\n" + (
        "\n".join(undescribed)
    )


def test_the_description_walk_finds_an_undescribed_argument() -> None:
    schema = parse_sdl('"""A query.""" type Query { """A field.""" hello(name: String): Int }')
    assert list(undescribed_elements(schema)) == ["argument Query.hello(name)"]


def test_the_crm_allow_list_names_only_types_the_schema_has() -> None:
    schema = build_schema()._schema
    root_classes = {
        origin
        for root in (schema.query_type, schema.mutation_type)
        if root is not None
        for field in root.fields.values()
        if (origin := defining_class(field)) is not None
    }
    unknown = DESCRIBED_BY_CRM_DECLARATION - set(schema.type_map) - root_classes
    assert not unknown, f"the allow-list names types the schema does not have: {unknown}"


def undescribed_elements(schema: GraphQLSchema) -> Iterator[str]:
    for type_ in schema.type_map.values():
        if not is_ours(type_) or type_.name in DESCRIBED_BY_CRM_DECLARATION:
            continue
        if not type_.description:
            yield f"type {type_.name}"
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            for name, field in type_.fields.items():
                if defining_class(field) not in DESCRIBED_BY_CRM_DECLARATION:
                    yield from _undescribed_field(f"{type_.name}.{name}", field)
        elif isinstance(type_, GraphQLInputObjectType):
            for name, input_field in type_.fields.items():
                if not input_field.description:
                    yield f"input field {type_.name}.{name}"
        elif isinstance(type_, GraphQLEnumType):
            for name, value in type_.values.items():
                if not value.description:
                    yield f"enum value {type_.name}.{name}"


def _undescribed_field(path: str, field: GraphQLField) -> Iterator[str]:
    if not field.description:
        yield f"field {path}"
    arguments: dict[str, GraphQLArgument] = field.args
    for name, argument in arguments.items():
        if not argument.description:
            yield f"argument {path}({name})"


def is_ours(type_: GraphQLNamedType) -> bool:
    """Introspection's types and the specified scalars are described by the GraphQL spec."""
    return not type_.name.startswith("__") and type_.name not in specified_scalar_types


def defining_class(field: GraphQLField) -> str | None:
    """The name of the Strawberry class that declares a field: root fields come from the
    per-area query and mutation classes merged into Query and Mutation."""
    definition = (field.extensions or {}).get("strawberry-definition")
    origin = getattr(definition, "origin", None)
    return origin.__name__ if isinstance(origin, type) else None
