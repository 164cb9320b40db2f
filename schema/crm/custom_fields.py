"""GraphQL for custom field definitions: listing them (every user) and changing them (admin
only). Values are read and written through each entity's type (``custom_values``)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.crm import CustomField as CustomFieldRow
from models.crm import CustomFieldKind
from resolvers.crm import custom_fields as admin
from schema.access_enums import AccessEntity
from schema.context import Info
from schema.crm.custom_values import CustomValueInput, raw_value
from schema.relay import decode_id, encode_id

FieldId = Annotated[strawberry.ID, strawberry.argument(description="The custom field's ID.")]
Entity = Annotated[AccessEntity, strawberry.argument(description="The records' kind.")]
FieldName = Annotated[str, strawberry.argument(description="What people read, up to 100.")]
Options = Annotated[list[str], strawberry.argument(description="The options, in order.")]
NewField = Annotated[
    "CustomFieldDefinitionInput", strawberry.argument(description="The field to add.")
]
Order = Annotated[
    list[strawberry.ID], strawberry.argument(description="Every field's ID, in the new order.")
]
Confirm = Annotated[
    bool, strawberry.argument(description="Must be true: the field's values go with it.")
]


@strawberry.type(description="A field an administrator added to an entity.")
class CustomFieldDefinition:
    id: strawberry.ID = strawberry.field(description="The field's global id.")
    entity: AccessEntity = strawberry.field(description="The records that have the field.")
    code: str = strawberry.field(
        description="`UF_…`: names the field in inputs, filters, orders, field rules and "
        "change logs; never changes."
    )
    name: str = strawberry.field(description="What people read.")
    kind: CustomFieldKind = strawberry.field(description="What it holds.")
    required: bool = strawberry.field(description="Whether every record needs a value.")
    multiple: bool = strawberry.field(description="Whether a record may hold several values.")
    sort: int = strawberry.field(description="Its place among the entity's fields.")
    options: list[str] = strawberry.field(description="An enumeration's options, in order.")

    @classmethod
    def of(cls, row: CustomFieldRow) -> CustomFieldDefinition:
        return cls(
            id=encode_id("CustomField", row.id),
            entity=AccessEntity(row.entity),
            code=row.code,
            name=row.name,
            kind=row.kind,
            required=row.required,
            multiple=row.multiple,
            sort=row.sort,
            options=list(row.options),
        )


@strawberry.input(description="A new custom field.")
class CustomFieldDefinitionInput:
    entity: AccessEntity = strawberry.field(description="The records that get the field.")
    code: str = strawberry.field(description="`UF_` then capital letters, digits, underscores.")
    name: str = strawberry.field(description="What people read, up to 100 characters.")
    kind: CustomFieldKind = strawberry.field(description="What it holds; fixed once made.")
    required: bool = strawberry.field(default=False, description="Every record needs a value.")
    multiple: bool = strawberry.field(
        default=False, description="A record may hold several values; fixed once made."
    )
    options: list[str] | None = strawberry.field(
        default=None, description="An enumeration's options, in order (required for one)."
    )
    default: list[CustomValueInput] | None = strawberry.field(
        default=None, description="The values a new record takes when it is given none."
    )


@strawberry.type
class CustomFieldQueries:
    @strawberry.field(description="The custom fields of an entity, in their order.")
    async def custom_fields(self, info: Info, entity: Entity) -> list[CustomFieldDefinition]:
        info.context.require_viewer()
        rows = await admin.definitions(info.context, entity.value)
        return [CustomFieldDefinition.of(row) for row in rows]


@strawberry.type
class CustomFieldMutations:
    @strawberry.mutation(description="Admin only. Placed last among the entity's fields.")
    async def create_custom_field(self, info: Info, input: NewField) -> CustomFieldDefinition:
        new = admin.NewCustomField(
            entity=input.entity.value,
            code=input.code,
            name=input.name,
            kind=input.kind,
            required=input.required,
            multiple=input.multiple,
            options=input.options or [],
            default=[
                raw_value(value, f"default.{i}") for i, value in enumerate(input.default or [])
            ],
        )
        return CustomFieldDefinition.of(await admin.create_field(info.context, new))

    @strawberry.mutation(description="Admin only. The code stays.")
    async def rename_custom_field(
        self, info: Info, id: FieldId, name: FieldName
    ) -> CustomFieldDefinition:
        row = await admin.rename_field(info.context, decode_id(id, "CustomField"), name)
        return CustomFieldDefinition.of(row)

    @strawberry.mutation(description="Admin only. Every field of the entity once, in order.")
    async def reorder_custom_fields(
        self, info: Info, entity: Entity, ids: Order
    ) -> list[CustomFieldDefinition]:
        pks = [decode_id(pk, "CustomField", "fieldIds") for pk in ids]
        rows = await admin.reorder_fields(info.context, entity.value, pks)
        return [CustomFieldDefinition.of(row) for row in rows]

    @strawberry.mutation(
        description="Admin only. An enumeration's options, in order; values of options left "
        "out are removed from every record."
    )
    async def set_custom_field_options(
        self, info: Info, id: FieldId, options: Options
    ) -> CustomFieldDefinition:
        row = await admin.set_options(info.context, decode_id(id, "CustomField"), options)
        return CustomFieldDefinition.of(row)

    @strawberry.mutation(
        description="Admin only. Deletes the field, its values on every record and the field "
        "rules naming it; `confirm: true` is required."
    )
    async def delete_custom_field(
        self, info: Info, id: FieldId, confirm: Confirm = False
    ) -> strawberry.ID:
        await admin.delete_field(info.context, decode_id(id, "CustomField"), confirm)
        return id
