"""Saved views: a named filter, order, search and columns of one CRM entity's list, owned by
the user who saved it and shared with nobody, the owner's department, or everyone.

A view holds no rights: whoever applies it sees what their own READ and field rules show
(resolvers/crm/saved_views.py)."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, CreatedAt, IntPk, UpdatedAt
from models.crm.common import CrmEntity, enum_column


class ViewSharing(enum.Enum):
    PERSONAL = "PERSONAL"
    # The members of the owner's department (as it is when the view is read).
    DEPARTMENT = "DEPARTMENT"
    EVERYONE = "EVERYONE"


class SavedView(Base):
    __tablename__ = "saved_views"

    id: Mapped[IntPk]
    name: Mapped[str] = mapped_column(String(100))
    entity: Mapped[CrmEntity] = mapped_column(enum_column(CrmEntity))
    owner_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    sharing: Mapped[ViewSharing] = mapped_column(enum_column(ViewSharing))
    # The entity's list filter as resolvers/automation/conditions.py stores a filter; the
    # order as [[field or custom code, descending], ...]; the columns as names.
    filter: Mapped[dict[str, Any]] = mapped_column(JSON)
    order_by: Mapped[list[list[Any]]] = mapped_column(JSON)
    search: Mapped[str | None] = mapped_column(String(200))
    columns: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]

    __table_args__ = (
        Index("ix_saved_views_entity_owner_id", "entity", "owner_id"),
        Index("ix_saved_views_entity_sharing", "entity", "sharing"),
    )
