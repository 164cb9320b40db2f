"""The four CRM records: leads, contacts, companies and deals, and the links between them.

Every record has a responsible user (``assigned_to_id``), a creator, an ``opened`` flag (seen
by everyone with "all open" access) and timestamps. Indexes back every filter and order the
API offers, each ending in ``id`` for keyset pagination.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, CreatedAt, IntPk, UpdatedAt, UtcDateTime
from models.crm.common import Money


def _user_ref(*, nullable: bool = True) -> Mapped[int | None]:
    return mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL" if nullable else "RESTRICT")
    )


class Lead(Base):
    __tablename__ = "crm_leads"

    id: Mapped[IntPk]
    title: Mapped[str] = mapped_column(String(255))
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    company_title: Mapped[str] = mapped_column(String(255), default="")
    status_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("crm_lead_statuses.id", ondelete="RESTRICT")
    )
    source_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("crm_lead_sources.id", ondelete="RESTRICT")
    )
    source_description: Mapped[str] = mapped_column(Text, default="")
    utm_source: Mapped[str] = mapped_column(String(255), default="")
    utm_medium: Mapped[str] = mapped_column(String(255), default="")
    utm_campaign: Mapped[str] = mapped_column(String(255), default="")
    utm_content: Mapped[str] = mapped_column(String(255), default="")
    utm_term: Mapped[str] = mapped_column(String(255), default="")
    assigned_to_id: Mapped[int | None] = _user_ref()
    created_by_id: Mapped[int | None] = _user_ref()
    opened: Mapped[bool] = mapped_column(Boolean, default=True)
    # A lead whose phone or e-mail matched an existing contact or company when it was made.
    is_repeat: Mapped[bool] = mapped_column(Boolean, default=False)
    converted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    contact_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("crm_contacts.id", ondelete="SET NULL", use_alter=True)
    )
    company_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("crm_companies.id", ondelete="SET NULL", use_alter=True)
    )
    deal_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("crm_deals.id", ondelete="SET NULL", use_alter=True)
    )
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]

    __table_args__ = (
        Index("ix_crm_leads_status_id_id", "status_id", "id"),
        Index("ix_crm_leads_source_id", "source_id"),
        Index("ix_crm_leads_assigned_to_id_id", "assigned_to_id", "id"),
        Index("ix_crm_leads_title_id", "title", "id"),
        Index("ix_crm_leads_created_at_id", "created_at", "id"),
        Index("ix_crm_leads_updated_at_id", "updated_at", "id"),
    )


class Contact(Base):
    __tablename__ = "crm_contacts"

    id: Mapped[IntPk]
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    position: Mapped[str] = mapped_column(String(255), default="")
    assigned_to_id: Mapped[int | None] = _user_ref()
    created_by_id: Mapped[int | None] = _user_ref()
    opened: Mapped[bool] = mapped_column(Boolean, default=True)
    source_lead_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("crm_leads.id", ondelete="SET NULL")
    )
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]

    __table_args__ = (
        Index("ix_crm_contacts_last_name_id", "last_name", "id"),
        Index("ix_crm_contacts_first_name_id", "first_name", "id"),
        Index("ix_crm_contacts_assigned_to_id_id", "assigned_to_id", "id"),
        Index("ix_crm_contacts_created_at_id", "created_at", "id"),
        Index("ix_crm_contacts_updated_at_id", "updated_at", "id"),
        Index("ix_crm_contacts_source_lead_id", "source_lead_id"),
    )


class Company(Base):
    __tablename__ = "crm_companies"

    id: Mapped[IntPk]
    title: Mapped[str] = mapped_column(String(255))
    industry: Mapped[str] = mapped_column(String(100), default="")
    revenue: Mapped[Decimal | None] = mapped_column(Money())
    employees: Mapped[int | None] = mapped_column(Integer)
    address: Mapped[str] = mapped_column(Text, default="")
    assigned_to_id: Mapped[int | None] = _user_ref()
    created_by_id: Mapped[int | None] = _user_ref()
    opened: Mapped[bool] = mapped_column(Boolean, default=True)
    source_lead_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("crm_leads.id", ondelete="SET NULL")
    )
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]

    __table_args__ = (
        Index("ix_crm_companies_title_id", "title", "id"),
        Index("ix_crm_companies_assigned_to_id_id", "assigned_to_id", "id"),
        Index("ix_crm_companies_created_at_id", "created_at", "id"),
        Index("ix_crm_companies_updated_at_id", "updated_at", "id"),
        Index("ix_crm_companies_source_lead_id", "source_lead_id"),
    )


class ContactCompany(Base):
    """Contacts ↔ companies, many to many."""

    __tablename__ = "crm_contact_companies"

    contact_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("crm_contacts.id", ondelete="CASCADE"), primary_key=True
    )
    company_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("crm_companies.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (Index("ix_crm_contact_companies_company_id", "company_id", "contact_id"),)


class Deal(Base):
    __tablename__ = "crm_deals"

    id: Mapped[IntPk]
    title: Mapped[str] = mapped_column(String(255))
    pipeline_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("crm_pipelines.id", ondelete="RESTRICT")
    )
    stage_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("crm_deal_stages.id", ondelete="RESTRICT")
    )
    amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    currency: Mapped[str] = mapped_column(String(3))
    probability: Mapped[int | None] = mapped_column(Integer)
    company_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("crm_companies.id", ondelete="SET NULL")
    )
    assigned_to_id: Mapped[int | None] = _user_ref()
    created_by_id: Mapped[int | None] = _user_ref()
    opened: Mapped[bool] = mapped_column(Boolean, default=True)
    source_lead_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("crm_leads.id", ondelete="SET NULL")
    )
    # Set when the deal reaches a SUCCESS or FAILURE stage, cleared when it leaves one.
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The working stage of highest sort the deal was ever moved to (the funnel's "reached"),
    # kept by a trigger on its stage moves (models/crm/tallies.py); None: none yet.
    furthest_stage_id: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]

    __table_args__ = (
        Index("ix_crm_deals_stage_id_id", "stage_id", "id"),
        Index("ix_crm_deals_pipeline_id_id", "pipeline_id", "id"),
        Index("ix_crm_deals_company_id", "company_id"),
        Index("ix_crm_deals_assigned_to_id_id", "assigned_to_id", "id"),
        Index("ix_crm_deals_title_id", "title", "id"),
        Index("ix_crm_deals_amount_id", "amount", "id"),
        Index("ix_crm_deals_closed_at", "closed_at"),
        Index("ix_crm_deals_created_at_id", "created_at", "id"),
        Index("ix_crm_deals_updated_at_id", "updated_at", "id"),
        Index("ix_crm_deals_source_lead_id", "source_lead_id"),
    )


class DealContact(Base):
    """Deals ↔ contacts, many to many."""

    __tablename__ = "crm_deal_contacts"

    deal_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("crm_deals.id", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("crm_contacts.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (Index("ix_crm_deal_contacts_contact_id", "contact_id", "deal_id"),)
