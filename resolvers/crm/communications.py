"""Phones, e-mails, web addresses and messengers: validation, normalisation, loading, duplicates.

``normalized`` is what matching uses: a phone's digits (a Russian 11-digit number written
with a leading 8 becomes 7…, as dialled from abroad), an e-mail lower-cased, anything else
stripped and lower-cased.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.crm import Communication, CommunicationKind, CrmEntity
from resolvers.access.envelopes import envelopes_by_id
from resolvers.context import RequestContext
from resolvers.crm.visibility import visible_ids
from resolvers.errors import BadInput
from resolvers.validation import email as valid_email
from resolvers.validation import text

VALUE_TYPES = frozenset({"WORK", "HOME", "MOBILE", "OTHER"})
MAX_VALUE = 255
MAX_PER_RECORD = 20
# Contacts (companies) holding a lead's phone or e-mail looked at for `isRepeat`.
MAX_HOLDERS = 100
MIN_PHONE_DIGITS = 5
MAX_PHONE_DIGITS = 15
_PHONE_CHARACTERS = re.compile(r"^\+?[\d\s().\-]+$")
_NOT_DIGITS = re.compile(r"\D")

RecordKey = tuple[CrmEntity, int]


@dataclass(frozen=True)
class NewCommunication:
    kind: CommunicationKind
    value: str
    value_type: str = "WORK"


@dataclass(frozen=True)
class CleanCommunication:
    kind: CommunicationKind
    value: str
    value_type: str
    normalized: str


def normalize_phone(value: str) -> str:
    digits = _NOT_DIGITS.sub("", value)
    if len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]
    return digits


def clean(
    items: Sequence[NewCommunication], field: str = "communications"
) -> list[CleanCommunication]:
    """Validated and normalised communications; BadInput names the offending item."""
    if len(items) > MAX_PER_RECORD:
        raise BadInput(f"At most {MAX_PER_RECORD} communications per record", field=field)
    cleaned = []
    for index, item in enumerate(items):
        path = f"{field}.{index}"
        value = text(item.value, f"{path}.value", max_length=MAX_VALUE)
        value_type = item.value_type.strip().upper()
        if value_type not in VALUE_TYPES:
            raise BadInput(
                f"'valueType' must be one of {', '.join(sorted(VALUE_TYPES))}",
                field=f"{path}.valueType",
            )
        stored, normalized = _normalized(item.kind, value, f"{path}.value")
        cleaned.append(CleanCommunication(item.kind, stored, value_type, normalized))
    return cleaned


def _normalized(kind: CommunicationKind, value: str, field: str) -> tuple[str, str]:
    """The value as stored and its normalised form."""
    if kind is CommunicationKind.EMAIL:
        address = valid_email(value, field)
        return address, address
    if kind is CommunicationKind.PHONE:
        digits = normalize_phone(value)
        if not _PHONE_CHARACTERS.match(value) or not (
            MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS
        ):
            raise BadInput(f"'{value}' is not a phone number", field=field)
        return value, digits
    return value, value.lower()


def summary(items: Sequence[CleanCommunication] | Sequence[Communication]) -> str:
    """How a record's communications read in its timeline: "PHONE WORK +7 495…; EMAIL …"."""
    return "; ".join(f"{item.kind.value} {item.value_type} {item.value}" for item in items)


async def replace_communications(
    session: AsyncSession, entity: CrmEntity, entity_id: int, items: Sequence[CleanCommunication]
) -> str:
    """Replaces a record's communications; returns the summary of the old ones."""
    old = (
        await session.execute(
            select(Communication)
            .where(Communication.entity_type == entity, Communication.entity_id == entity_id)
            .order_by(Communication.sort, Communication.id)
        )
    ).scalars()
    old_summary = summary(list(old))
    await session.execute(
        delete(Communication).where(
            Communication.entity_type == entity, Communication.entity_id == entity_id
        )
    )
    session.add_all(
        Communication(
            entity_type=entity,
            entity_id=entity_id,
            kind=item.kind,
            value_type=item.value_type,
            value=item.value,
            normalized=item.normalized,
            sort=index,
        )
        for index, item in enumerate(items)
    )
    return old_summary


async def matches_existing_customer(
    ctx: RequestContext, session: AsyncSession, items: Sequence[CleanCommunication]
) -> bool:
    """Whether a phone or e-mail already belongs to a contact or company (a repeat lead) the
    acting user may read, with communications not hidden from them: as ``duplicates``, the
    answer must not tell whether a record they may not see holds that phone or e-mail."""
    matchable = [
        item for item in items if item.kind in (CommunicationKind.PHONE, CommunicationKind.EMAIL)
    ]
    if not matchable:
        return False
    same_value = or_(
        *(
            (Communication.kind == item.kind) & (Communication.normalized == item.normalized)
            for item in matchable
        )
    )
    policy = ctx.require_policy()
    for entity in (CrmEntity.CONTACT, CrmEntity.COMPANY):
        holders = list(
            await session.scalars(
                select(Communication.entity_id)
                .where(
                    Communication.entity_type == entity,
                    same_value,
                    Communication.entity_id.in_(visible_ids(ctx, entity)),
                )
                .distinct()
                .limit(MAX_HOLDERS)
            )
        )
        if holders and not policy.may_hide_field(entity, "communications"):
            return True
        envelopes = await envelopes_by_id(session, entity, holders) if holders else {}
        if any("communications" not in policy.hidden_fields(e) for e in envelopes.values()):
            return True
    return False


async def communications_by_record(
    ctx: RequestContext, keys: list[RecordKey]
) -> Sequence[list[Communication]]:
    found: dict[RecordKey, list[Communication]] = defaultdict(list)
    by_entity: dict[CrmEntity, list[int]] = defaultdict(list)
    for entity, entity_id in keys:
        by_entity[entity].append(entity_id)
    condition = or_(
        *(
            (Communication.entity_type == entity) & Communication.entity_id.in_(ids)
            for entity, ids in by_entity.items()
        )
    )
    async with ctx.db() as session:
        rows = await session.execute(
            select(Communication).where(condition).order_by(Communication.sort, Communication.id)
        )
        for row in rows.scalars():
            found[(row.entity_type, row.entity_id)].append(row)
    return [found[key] for key in keys]


def search_communications(entity: CrmEntity, term: str) -> Select[tuple[int]]:
    """Ids of records of ``entity`` with a communication containing ``term``.

    A term that looks like a phone number also matches differently written phones."""
    lowered = term.lower()
    matches: list[ColumnElement[bool]] = [
        Communication.normalized.contains(lowered, autoescape=True)
    ]
    digits = normalize_phone(term)
    if _PHONE_CHARACTERS.match(term) and len(digits) >= 3:
        matches.append(
            (Communication.kind == CommunicationKind.PHONE)
            & Communication.normalized.contains(digits, autoescape=True)
        )
    return select(Communication.entity_id).where(Communication.entity_type == entity, or_(*matches))


def normalized_for_lookup(kind: CommunicationKind, value: str, field: str) -> str:
    return _normalized(kind, text(value, field, max_length=MAX_VALUE), field)[1]
