"""Phones, e-mails, web sites and messengers of leads, contacts and companies."""

from __future__ import annotations

import enum

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, IntPk
from models.crm.common import CrmEntity, enum_column


class CommunicationKind(enum.Enum):
    PHONE = "PHONE"
    EMAIL = "EMAIL"
    WEB = "WEB"
    IM = "IM"


class Communication(Base):
    """One value of a record's multi-field. ``normalized`` is what duplicates match on:
    a phone's digits, a lower-cased e-mail."""

    __tablename__ = "crm_communications"

    id: Mapped[IntPk]
    entity_type: Mapped[CrmEntity] = mapped_column(enum_column(CrmEntity))
    # Polymorphic (lead, contact or company), hence no foreign key: the resolvers delete a
    # record's communications with it.
    entity_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[CommunicationKind] = mapped_column(enum_column(CommunicationKind))
    value_type: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(255))
    normalized: Mapped[str] = mapped_column(String(255))
    sort: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        Index("ix_crm_communications_entity", "entity_type", "entity_id"),
        Index("ix_crm_communications_kind_normalized", "kind", "normalized"),
    )
