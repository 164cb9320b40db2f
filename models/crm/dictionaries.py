"""The configurable ordered lists: lead statuses, lead sources, pipelines and their stages."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, CreatedAt, IntPk
from models.crm.common import Semantics, enum_column


class LeadStatus(Base):
    __tablename__ = "crm_lead_statuses"

    id: Mapped[IntPk]
    name: Mapped[str] = mapped_column(String(100))
    # Kept ordered as PROCESS, then SUCCESS, then FAILURE by the resolvers.
    sort: Mapped[int] = mapped_column(Integer)
    semantics: Mapped[Semantics] = mapped_column(enum_column(Semantics))
    created_at: Mapped[CreatedAt]

    __table_args__ = (Index("ix_crm_lead_statuses_sort_id", "sort", "id"),)


class LeadSource(Base):
    __tablename__ = "crm_lead_sources"

    id: Mapped[IntPk]
    name: Mapped[str] = mapped_column(String(100))
    sort: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[CreatedAt]

    __table_args__ = (Index("ix_crm_lead_sources_sort_id", "sort", "id"),)


class Pipeline(Base):
    """A deal category: its own ordered stages. Exactly one is the default."""

    __tablename__ = "crm_pipelines"

    id: Mapped[IntPk]
    name: Mapped[str] = mapped_column(String(100))
    sort: Mapped[int] = mapped_column(Integer)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[CreatedAt]

    __table_args__ = (Index("ix_crm_pipelines_sort_id", "sort", "id"),)


class DealStage(Base):
    __tablename__ = "crm_deal_stages"

    id: Mapped[IntPk]
    pipeline_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("crm_pipelines.id", ondelete="RESTRICT")
    )
    name: Mapped[str] = mapped_column(String(100))
    sort: Mapped[int] = mapped_column(Integer)
    semantics: Mapped[Semantics] = mapped_column(enum_column(Semantics))
    created_at: Mapped[CreatedAt]

    __table_args__ = (Index("ix_crm_deal_stages_pipeline_id_sort", "pipeline_id", "sort", "id"),)
