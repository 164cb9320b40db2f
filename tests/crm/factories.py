"""CRM rows written straight to the database, for tests that need many of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import String, cast, insert, literal, literal_column, select

from models import SessionFactory, utcnow
from models.base import UtcDateTime
from models.crm import (
    Activity,
    ActivityBinding,
    ActivityDirection,
    ActivityKind,
    Communication,
    CommunicationKind,
    Company,
    Contact,
    ContactCompany,
    CrmEntity,
    Deal,
    DealContact,
    DealStage,
    Lead,
    LeadStatus,
    Pipeline,
    TimelineEntry,
    TimelineKind,
)
from tests.factories import Seed


@dataclass(frozen=True)
class Dictionaries:
    pipeline_id: int
    stage_ids: list[int]
    status_ids: list[int]


async def dictionaries(session_factory: SessionFactory) -> Dictionaries:
    async with session_factory() as session:
        pipeline_id = await session.scalar(select(Pipeline.id).where(Pipeline.is_default))
        assert pipeline_id is not None
        stages = await session.scalars(
            select(DealStage.id)
            .where(DealStage.pipeline_id == pipeline_id)
            .order_by(DealStage.sort)
        )
        statuses = await session.scalars(select(LeadStatus.id).order_by(LeadStatus.sort))
        return Dictionaries(pipeline_id, list(stages), list(statuses))


async def crm_records(session_factory: SessionFactory, seed: Seed, count: int) -> None:
    """``count`` each of companies, contacts, deals, leads and activities, every relation
    filled (so nested loaders run for a page of any size)."""
    found = await dictionaries(session_factory)
    users = [seed.admin.id, seed.head.id, seed.member.id]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    async with session_factory() as session:
        companies = [
            Company(
                title=f"Company {i:03}",
                assigned_to_id=users[i % 3],
                created_by_id=users[0],
                created_at=start + timedelta(minutes=i),
            )
            for i in range(count)
        ]
        leads = [
            Lead(
                title=f"Lead {i:03}",
                status_id=found.status_ids[i % 3],
                assigned_to_id=users[i % 3],
                created_by_id=users[0],
                created_at=start + timedelta(minutes=i),
            )
            for i in range(count)
        ]
        session.add_all([*companies, *leads])
        await session.flush()
        contacts = [
            Contact(
                first_name="Person",
                last_name=f"{i:03}",
                assigned_to_id=users[i % 3],
                created_by_id=users[1],
                source_lead_id=leads[i].id,
                created_at=start + timedelta(minutes=i),
            )
            for i in range(count)
        ]
        session.add_all(contacts)
        await session.flush()
        deals = [
            Deal(
                title=f"Deal {i:03}",
                pipeline_id=found.pipeline_id,
                stage_id=found.stage_ids[i % 4],
                amount=Decimal(i * 10),
                currency="USD",
                company_id=companies[i].id,
                assigned_to_id=users[i % 3],
                created_by_id=users[2],
                source_lead_id=leads[i].id,
                created_at=start + timedelta(minutes=i),
            )
            for i in range(count)
        ]
        activities = [
            Activity(
                kind=ActivityKind.CALL,
                subject=f"Call {i:03}",
                direction=ActivityDirection.OUTGOING,
                assigned_to_id=users[i % 3],
                created_by_id=users[0],
            )
            for i in range(count)
        ]
        session.add_all([*deals, *activities])
        await session.flush()
        for i in range(count):
            # Every lead converted into the contact, company and deal of its number.
            leads[i].contact_id = contacts[i].id
            leads[i].company_id = companies[i].id
            leads[i].deal_id = deals[i].id
            session.add_all(
                [
                    ContactCompany(contact_id=contacts[i].id, company_id=companies[i].id),
                    DealContact(deal_id=deals[i].id, contact_id=contacts[i].id),
                    ActivityBinding(
                        activity_id=activities[i].id,
                        entity_type=CrmEntity.DEAL,
                        entity_id=deals[i].id,
                    ),
                    TimelineEntry(
                        entity_type=CrmEntity.DEAL,
                        entity_id=deals[i].id,
                        kind=TimelineKind.ACTIVITY,
                        activity_id=activities[i].id,
                    ),
                ]
            )
            for entity, pk in (
                (CrmEntity.LEAD, leads[i].id),
                (CrmEntity.CONTACT, contacts[i].id),
                (CrmEntity.COMPANY, companies[i].id),
            ):
                session.add(
                    Communication(
                        entity_type=entity,
                        entity_id=pk,
                        kind=CommunicationKind.PHONE,
                        value_type="WORK",
                        value=f"+7 900 000 {i:04}",
                        normalized=f"7900000{i:04}",
                    )
                )
        await session.commit()


async def many_deals(session_factory: SessionFactory, count: int) -> None:
    """``count`` deals in one multi-row INSERT … SELECT over a recursive counter."""
    found = await dictionaries(session_factory)
    counter = select(literal_column("1").label("i")).cte("counter", recursive=True)
    counter = counter.union_all(select(counter.c.i + 1).where(counter.c.i < count))
    rows = select(
        literal("Deal ") + cast(counter.c.i, String),
        literal(found.pipeline_id),
        literal(found.stage_ids[0]),
        counter.c.i,
        literal("USD"),
        literal(True),
        literal(utcnow(), UtcDateTime()),
        literal(utcnow(), UtcDateTime()),
    )
    columns = [
        "title",
        "pipeline_id",
        "stage_id",
        "amount",
        "currency",
        "opened",
        "created_at",
        "updated_at",
    ]
    async with session_factory() as session:
        await session.execute(insert(Deal).from_select(columns, rows))
        await session.commit()
