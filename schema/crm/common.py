"""GraphQL pieces every CRM record uses: communications, semantics, the responsible user."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from models.crm import Communication as CommunicationRow
from models.crm import CommunicationKind, CrmEntity, Semantics
from resolvers.crm import communications
from resolvers.patch import MISSING, Missing
from schema.context import Info

if TYPE_CHECKING:
    from schema.users import User

UserRef = Annotated["User", strawberry.lazy("schema.users")]

# Registered once here for the whole schema (Strawberry decorates the model enums in place).
strawberry.enum(
    Semantics,
    description="PROCESS: in progress; SUCCESS: converted / won; FAILURE: junk / lost.",
)
strawberry.enum(CommunicationKind)


@strawberry.type(description="A phone, e-mail, web address or messenger of a record.")
class Communication:
    kind: CommunicationKind
    value_type: str
    value: str
    normalized: str = strawberry.field(description="What duplicate detection matches on.")

    @classmethod
    def of(cls, row: CommunicationRow) -> Communication:
        return cls(
            kind=row.kind, value_type=row.value_type, value=row.value, normalized=row.normalized
        )


@strawberry.input
class CommunicationInput:
    kind: CommunicationKind
    value: str
    value_type: str = strawberry.field(default="WORK", description="WORK, HOME, MOBILE or OTHER.")

    def to_new(self) -> communications.NewCommunication:
        return communications.NewCommunication(self.kind, self.value, self.value_type)


def new_communications(
    items: list[CommunicationInput] | None,
) -> list[communications.NewCommunication]:
    return [item.to_new() for item in items or []]


def communications_patch(
    items: list[CommunicationInput] | None,
) -> list[communications.NewCommunication] | Missing:
    """Left out: unchanged; a list (or null, which clears them): the new communications."""
    return MISSING if items is strawberry.UNSET else new_communications(items)


async def load_communications(info: Info, entity: CrmEntity, pk: int) -> list[Communication]:
    rows = await info.context.loader(communications.communications_by_record).load((entity, pk))
    return [Communication.of(row) for row in rows]


async def load_user(info: Info, pk: int | None) -> UserRef | None:
    from schema.users import load_user

    return None if pk is None else await load_user(info, pk)
