"""Fields every CRM record has: its id, responsible user, creator, ``opened`` flag and
timestamps; and the text limits the declarations share."""

from __future__ import annotations

from typing import Any

from models.crm.common import CrmEntity
from models.crm.entities.shape import NO_DEFAULT, Field, FieldKind

MAX_TITLE = 255
MAX_NAME = 100
MAX_TEXT = 10_000


def record_id(node_type: str) -> Field:
    return Field(
        "id",
        FieldKind.ID,
        "The record's global id.",
        attribute="id",
        target=node_type,
        ruled=False,
        filterable=True,
        orderable=True,
    )


def communications(searched: bool = True) -> Field:
    return Field(
        "communications",
        FieldKind.COMMUNICATIONS,
        "Phones, e-mails, web sites and messengers.",
        searchable=searched,
        patchable=True,
    )


def source_lead(field: str) -> Field:
    """The lead a record was converted from; the lead's ``field`` shows the same link."""
    return Field(
        "sourceLead",
        FieldKind.ID,
        "The lead this record was converted from.",
        attribute="source_lead_id",
        key="sourceLeadId",
        target="Lead",
        ruled=False,
        filterable=True,
        other_end=(CrmEntity.LEAD, field),
    )


RECORD_FIELDS = (
    Field(
        "assignedTo",
        FieldKind.ID,
        "The responsible user.",
        attribute="assigned_to_id",
        key="assignedToId",
        target="User",
        filterable=True,
        shown_on_create=True,
        patchable=True,
        create_default_note="you",
        required=True,
    ),
    Field(
        "createdBy",
        FieldKind.ID,
        "Who created the record.",
        attribute="created_by_id",
        key="createdById",
        target="User",
        filterable=True,
    ),
    Field(
        "opened",
        FieldKind.BOOLEAN,
        "Visible to everyone whose access reaches open records.",
        attribute="opened",
        filterable=True,
        shown_on_create=True,
        patchable=True,
        create_default=True,
    ),
    Field(
        "createdAt",
        FieldKind.DATETIME,
        "When the record was created.",
        attribute="created_at",
        filterable=True,
        orderable=True,
    ),
    Field(
        "updatedAt",
        FieldKind.DATETIME,
        "When the record last changed.",
        attribute="updated_at",
        filterable=True,
        orderable=True,
    ),
)


def title(description: str, create_default: Any = NO_DEFAULT) -> Field:
    """The record's title: what it is called in lists, searches and notifications."""
    return Field(
        "title",
        FieldKind.TEXT,
        description,
        attribute="title",
        filterable=True,
        orderable=True,
        searchable=True,
        shown_on_create=True,
        patchable=True,
        create_default=create_default,
        required=True,
        max_length=MAX_TITLE,
    )


def person_name(name: str, attribute: str, description: str, *, on_create: bool) -> Field:
    """A first or last name: searched, filtered and ordered on."""
    return Field(
        name,
        FieldKind.TEXT,
        description,
        attribute=attribute,
        filterable=True,
        orderable=True,
        searchable=True,
        shown_on_create=on_create,
        patchable=True,
        max_length=MAX_NAME,
    )
