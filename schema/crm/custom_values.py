"""Custom field values on the four CRM types: the typed `customFields` list, the input that
writes them and the filter that tests them.

Why a typed list and not one GraphQL field per custom field: custom fields come and go at run
time, through any process, while the schema must stay the same in every process and from one
deploy to the next (clients generate code from it, persisted queries are validated against
it). A list keyed by the field's code, whose values carry one member per kind, keeps the
schema static and still typed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Protocol, cast

import strawberry

from models.crm import CrmEntity, CustomFieldKind
from models.crm import CustomValue as CustomValueRow
from models.crm.entities import type_name_of
from resolvers.crm import custom_fields as definitions
from resolvers.crm.custom_checks import RawValue
from resolvers.crm.custom_values import CustomInput, values_of
from resolvers.crm.filtering import Condition
from resolvers.crm.record_access import RecordFacts, hidden_fields
from resolvers.errors import BadInput
from resolvers.patch import MISSING, Missing
from schema.context import Info
from schema.crm.common import load_user
from schema.crm.records import CrmRecord, load_record
from schema.enums import described_enum
from schema.relay import decode_any_id, decode_id, encode_id

if TYPE_CHECKING:
    from schema.users import User

UserRef = Annotated["User", strawberry.lazy("schema.users")]

described_enum(
    CustomFieldKind,
    "What a custom field holds; the member of `CustomValue` / `CustomValueInput` it uses.",
    {
        CustomFieldKind.STRING: "A line of text, up to 255 characters (`string`).",
        CustomFieldKind.TEXT: "Text, up to 10,000 characters (`string`).",
        CustomFieldKind.INTEGER: "A whole number (`integer`).",
        CustomFieldKind.DECIMAL: "A number with at most 2 decimals (`decimal`).",
        CustomFieldKind.MONEY: "An amount (`decimal`) and its ISO 4217 `currency`.",
        CustomFieldKind.BOOLEAN: "Yes or no (`boolean`); never multiple.",
        CustomFieldKind.DATE: "A calendar day (`date`).",
        CustomFieldKind.DATETIME: "A moment with a zone (`datetime`).",
        CustomFieldKind.ENUMERATION: "One of the field's `options` (`string`).",
        CustomFieldKind.USER: "A user (`userId` in, `user` out).",
        CustomFieldKind.URL: "An http(s) address (`string`).",
        CustomFieldKind.EMAIL: "An e-mail address, stored in lower case (`string`).",
        CustomFieldKind.PHONE: "A phone number: digits, spaces, + ( ) - . (`string`).",
        CustomFieldKind.CRM_RECORD: "A lead, contact, company or deal you may read when "
        "writing it (`recordId` in, `recordId` / `record` out; null for whoever may not read "
        "it).",
    },
)


@strawberry.type(description="One value of a custom field: the member of the field's kind.")
class CustomValue:
    string: str | None = strawberry.field(
        description="STRING, TEXT, ENUMERATION, URL, EMAIL, PHONE."
    )
    integer: int | None = strawberry.field(description="INTEGER.")
    decimal: Decimal | None = strawberry.field(description="DECIMAL, and MONEY's amount.")
    currency: str | None = strawberry.field(description="MONEY's ISO 4217 currency.")
    boolean: bool | None = strawberry.field(description="BOOLEAN.")
    date: dt.date | None = strawberry.field(description="DATE.")
    datetime: dt.datetime | None = strawberry.field(description="DATETIME.")
    user_pk: strawberry.Private[int | None]
    record_key: strawberry.Private[tuple[CrmEntity, int] | None] = None

    @strawberry.field(description="USER's user's ID.")
    def user_id(self) -> strawberry.ID | None:
        return None if self.user_pk is None else encode_id("User", self.user_pk)

    @strawberry.field(description="USER: the user.")
    async def user(self, info: Info) -> UserRef | None:
        return None if self.user_pk is None else await load_user(info, self.user_pk)

    @strawberry.field(description="CRM_RECORD's record's ID; null when you may not read it.")
    async def record_id(self, info: Info) -> strawberry.ID | None:
        record = await self._record(info)
        if record is None or self.record_key is None:
            return None
        entity, pk = self.record_key
        return encode_id(type_name_of(entity), pk)

    @strawberry.field(description="CRM_RECORD: the record; null when you may not read it.")
    async def record(self, info: Info) -> CrmRecord | None:
        return await self._record(info)

    async def _record(self, info: Info) -> CrmRecord | None:
        if self.record_key is None:
            return None
        return await load_record(info, *self.record_key)

    @classmethod
    def of(cls, kind: CustomFieldKind, row: CustomValueRow) -> CustomValue:
        user = kind is CustomFieldKind.USER
        if kind is CustomFieldKind.CRM_RECORD:
            return cls(
                string=None, integer=None, decimal=None, currency=None, boolean=None, date=None,
                datetime=None, user_pk=None, record_key=(CrmEntity(row.text), row.integer or 0),
            )  # fmt: skip
        number = kind in (CustomFieldKind.DECIMAL, CustomFieldKind.MONEY)
        return cls(
            string=None if number else row.text,
            integer=None if user else row.integer,
            decimal=row.number,
            currency=row.text if kind is CustomFieldKind.MONEY else None,
            boolean=row.flag,
            date=row.day,
            datetime=row.moment,
            user_pk=row.integer if user else None,
        )


@strawberry.type(description="A custom field of a record, with its values (none: not set).")
class CustomFieldValue:
    field: str = strawberry.field(description="The field's code, `UF_…`.")
    name: str = strawberry.field(description="The field's name.")
    kind: CustomFieldKind = strawberry.field(description="What the field holds.")
    values: list[CustomValue] = strawberry.field(
        description="Its values, in order: at most one unless the field is multiple."
    )


@strawberry.input(description="One value: set the member of the field's kind (MONEY: both).")
class CustomValueInput:
    string: str | None = strawberry.field(default=None, description="Text kinds.")
    integer: int | None = strawberry.field(default=None, description="INTEGER.")
    decimal: Decimal | None = strawberry.field(default=None, description="DECIMAL, MONEY.")
    currency: str | None = strawberry.field(default=None, description="MONEY's currency.")
    boolean: bool | None = strawberry.field(default=None, description="BOOLEAN.")
    date: dt.date | None = strawberry.field(default=None, description="DATE.")
    datetime: dt.datetime | None = strawberry.field(default=None, description="DATETIME.")
    user_id: strawberry.ID | None = strawberry.field(default=None, description="USER.")
    record_id: strawberry.ID | None = strawberry.field(
        default=None, description="CRM_RECORD: a lead's, contact's, company's or deal's ID."
    )


@strawberry.input(description="New values of one custom field; an empty list clears it.")
class CustomFieldInput:
    field: str = strawberry.field(description="The field's code, `UF_…`.")
    values: list[CustomValueInput] = strawberry.field(description="Its values, in order.")


@strawberry.input(
    description="Conditions on a custom field, all of which must hold; operands are text in "
    'the field\'s kind ("12.50", "2026-01-31", "2026-01-31T09:00:00Z", "true", a user\'s '
    "ID). A field of several values matches when one of its values does."
)
class CustomFieldFilter:
    field: str = strawberry.field(description="The field's code, `UF_…`.")
    eq: str | None = strawberry.field(default=None, description="Equal to.")
    in_: list[str] | None = strawberry.field(default=None, name="in", description="One of.")
    gt: str | None = strawberry.field(default=None, description="Greater than.")
    gte: str | None = strawberry.field(default=None, description="At least.")
    lt: str | None = strawberry.field(default=None, description="Less than.")
    lte: str | None = strawberry.field(default=None, description="At most.")
    contains: str | None = strawberry.field(default=None, description="Text, any case.")
    starts_with: str | None = strawberry.field(default=None, description="Text, any case.")
    is_null: bool | None = strawberry.field(default=None, description="Has no value.")


def raw_value(value: CustomValueInput, path: str) -> RawValue:
    return RawValue(
        string=value.string,
        integer=value.integer,
        decimal=value.decimal,
        boolean=value.boolean,
        date=value.date,
        datetime=value.datetime,
        currency=value.currency,
        user_id=None if value.user_id is None else decode_id(value.user_id, "User", path),
        record=None if value.record_id is None else decode_any_id(value.record_id, path),
    )


def custom_inputs(given: list[CustomFieldInput] | None) -> list[CustomInput]:
    return [
        CustomInput(item.field, [raw_value(value, item.field) for value in item.values])
        for item in given or []
    ]


def custom_patch(given: list[CustomFieldInput] | None) -> list[CustomInput] | Missing:
    """A patch's custom fields: left out (or null), or the fields to change."""
    if given is strawberry.UNSET or given is None:
        return MISSING
    return custom_inputs(given)


def custom_conditions(given: list[CustomFieldFilter] | None, path: str) -> dict[str, Condition]:
    """The conditions of a filter's `custom` list, by field code."""
    conditions: dict[str, Condition] = {}
    for item in given or []:
        if item.field in conditions:
            raise BadInput(f"'{item.field}' is filtered twice", field=f"{path}.custom")
        conditions[item.field] = Condition(
            eq=item.eq,
            in_=item.in_,
            gt=item.gt,
            gte=item.gte,
            lt=item.lt,
            lte=item.lte,
            contains=item.contains,
            starts_with=item.starts_with,
            is_null=item.is_null,
        )
    return conditions


async def custom_fields_of(
    info: Info, facts: RecordFacts, pk: int, code: str | None = None
) -> list[CustomFieldValue]:
    """The record's custom fields in their order, but those hidden from the viewer."""
    entity: CrmEntity = facts.entity
    fields = await definitions.definitions(info.context, entity)
    if code is not None:
        fields = [field for field in fields if field.code == code]
    if not fields:
        return []
    hidden = await hidden_fields(info.context, facts)
    rows = await values_of(info.context, entity, pk)
    return [
        CustomFieldValue(
            field=field.code,
            name=field.name,
            kind=field.kind,
            values=[CustomValue.of(field.kind, row) for row in rows if row.field_id == field.id],
        )
        for field in fields
        if field.code not in hidden
    ]


class _Record(Protocol):
    pk: int

    def facts(self) -> RecordFacts: ...


@strawberry.type
class WithCustomFields:
    """The custom fields of a CRM type (which has ``pk`` and ``facts()``)."""

    @strawberry.field(description="The custom fields you may see, in their order.")
    async def custom_fields(self, info: Info) -> list[CustomFieldValue]:
        record = cast(_Record, self)
        return await custom_fields_of(info, record.facts(), record.pk)

    @strawberry.field(description="One custom field by code; null when unknown or hidden from you.")
    async def custom_field(self, info: Info, code: str) -> CustomFieldValue | None:
        record = cast(_Record, self)
        found = await custom_fields_of(info, record.facts(), record.pk, code)
        return found[0] if found else None
