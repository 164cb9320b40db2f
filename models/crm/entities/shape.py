"""What a CRM entity declaration says: its fields, and the columns the access rules read.

Plain data, read by the policy, the list filters, orders and searches, field masks, events
and guards. An entity's fields are a list, not attributes, so that fields defined at run
time can join the declared ones.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from sqlalchemy import inspect

from models.crm.common import CrmEntity


class Check(enum.Enum):
    """A rule a text value follows beyond its length."""

    # An ISO 4217 code of 3 letters, stored in capitals.
    CURRENCY = "CURRENCY"


class FieldKind(enum.Enum):
    """How a field's values are compared, validated and shown."""

    ID = "ID"
    TEXT = "TEXT"
    DECIMAL = "DECIMAL"
    INT = "INT"
    DATETIME = "DATETIME"
    # A calendar day (custom fields).
    DATE = "DATE"
    BOOLEAN = "BOOLEAN"
    # Values kept in other tables: a record's phones and e-mails, or the records it links to.
    COMMUNICATIONS = "COMMUNICATIONS"
    LINKS = "LINKS"


class _NoDefault(enum.Enum):
    NO_DEFAULT = "NO_DEFAULT"


NO_DEFAULT = _NoDefault.NO_DEFAULT

# Change-log keys that tell a record's name (a deletion's, the records a merge took in):
# hidden wherever a name field is.
NAME_KEY = "name"
MERGED_NAMES_KEY = "mergedNames"
# The records a merge took in, by id.
MERGED_IDS_KEY = "mergedIds"


@dataclass(frozen=True)
class Through:
    """A many-to-many link: the link table's column holding the record's own id, and the
    one holding the linked record's id (``Field.attribute`` names neither)."""

    model: type[Any]
    own: str
    other: str


@dataclass(frozen=True)
class Field:
    """One field of an entity, named as GraphQL names it on the entity's type."""

    name: str
    kind: FieldKind
    description: str
    # The ORM attribute of the entity's table; None for values kept elsewhere.
    attribute: str | None = None
    # The name inputs, filters and the change log give the field when it is not ``name``
    # (a reference's id: ``assignedToId`` for ``assignedTo``).
    key: str | None = None
    # The GraphQL type an ID refers to.
    target: str | None = None
    # Whether a field rule may name the field (HIDDEN / READ_ONLY).
    ruled: bool = True
    filterable: bool = False
    # Orderable fields must be NOT NULL (keyset pagination compares them).
    orderable: bool = False
    searchable: bool = False
    # The fields of the referred record a search looks into, where the viewer may read it.
    searched_through: tuple[str, ...] = ()
    # Shown in the creation event of a record.
    shown_on_create: bool = False
    # A patch (``updateX``) may change it. Off by default: a new field becomes writable
    # only when its declaration says so.
    patchable: bool = False
    # Given when the record is created (``createX``), though no patch changes it (a deal's
    # pipeline and first stage: it moves by ``moveDeal``). Patchable fields are given too.
    set_on_create: bool = False
    # A new record's value when none is given; ``NO_DEFAULT`` makes a required text or
    # number required in the create input, a nullable one defaults to null.
    create_default: Any = NO_DEFAULT
    # What a new record gets when the field is left out, if not a plain value ("you").
    create_default_note: str | None = None
    # Text may not be blank, a reference may not be null.
    required: bool = False
    max_length: int | None = None
    # Whole numbers: the least and greatest value.
    bounds: tuple[int, int] | None = None
    check: Check | None = None
    through: Through | None = None
    max_links: int = 50
    # The name a many-to-many link takes in inputs and the change log (``contactIds``).
    links_key: str | None = None
    # The entity and field that show the same link from the other side (a contact's
    # companies are the company's contacts): a filter on the link reveals both ends.
    other_end: tuple[CrmEntity, str] | None = None
    # Fields no rule names that tell this one's value: hidden wherever it is.
    revealed_by: tuple[str, ...] = ()

    @property
    def input_key(self) -> str:
        return self.key or self.name

    @property
    def creatable(self) -> bool:
        return self.patchable or self.set_on_create

    @property
    def change_key(self) -> str:
        """The name inputs and the change log give the field's new value (a link's ids)."""
        return self.links_key or self.input_key


@dataclass(frozen=True)
class EntityDeclaration:
    """A CRM entity: its table, fields, and what access, lists and events read of it."""

    entity: CrmEntity
    model: type[Any]
    fields: tuple[Field, ...]
    # The fields a record's name is made of (events and notifications name records).
    name_fields: tuple[str, ...]
    # The list order when none is asked for: (field key, descending).
    default_order: tuple[tuple[str, bool], ...]
    # The lead status or deal stage field, and the table of the statuses it takes; None
    # for entities without statuses.
    status: str | None = None
    status_model: type[Any] | None = None
    responsible: str = "assigned_to_id"
    opened: str = "opened"
    # Change-log keys that are not fields but tell a field's value (a stage move's outcome).
    derived_keys: tuple[tuple[str, str], ...] = ()
    # Columns searched together, joined by a space (a contact's full name).
    searched_phrases: tuple[tuple[str, ...], ...] = ()

    def field(self, name: str) -> Field:
        return next(field for field in self.fields if field.name == name)

    def by_key(self) -> dict[str, Field]:
        """The fields by the name inputs, filters and the change log give them."""
        return {field.input_key: field for field in self.fields}

    def status_key(self) -> str | None:
        """The status field's name in inputs and the change log (``stageId``)."""
        return None if self.status is None else self.field(self.status).input_key

    def may_clear(self, field: Field) -> bool:
        """Whether an update may set the field to null: its column takes NULL."""
        return field.attribute is None or bool(
            inspect(self.model).columns[field.attribute].nullable
        )

    def ruled_names(self) -> frozenset[str]:
        return frozenset(field.name for field in self.fields if field.ruled)

    def maskable_names(self) -> frozenset[str]:
        """The fields a mask may hide: those rules name and those that reveal them."""
        ruled = [field for field in self.fields if field.ruled]
        return frozenset(field.name for field in ruled).union(
            *(field.revealed_by for field in ruled)
        )

    def rule_of_key(self, key: str) -> frozenset[str]:
        """The fields whose rules govern a change-log key: hidden when any of them is."""
        if key in (NAME_KEY, MERGED_NAMES_KEY):
            return frozenset(self.name_fields)
        derived = dict(self.derived_keys)
        if key in derived:
            return frozenset({derived[key]})
        for field in self.fields:
            if key in (field.name, field.key, field.links_key):
                return frozenset({field.name})
        return frozenset({key})
