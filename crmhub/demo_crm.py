"""Demo CRM data at realistic volumes: leads, companies, contacts, deals over two pipelines,
activities and their timelines, spread over the demo users.

Deterministic (a fixed random seed) and fast: rows go in as multi-row INSERTs, a few
statements per table. Skipped when the database already holds CRM records.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from crmhub.demo_words import (
    COMPANY_KINDS,
    COMPANY_WORDS,
    CURRENCIES,
    DEAL_SUBJECTS,
    FEMININE_NAMES,
    FIRST_NAMES,
    INDUSTRIES,
    LAST_NAMES,
    UTM_SOURCES,
)
from models import User
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
    DealStageMove,
    Lead,
    LeadSource,
    LeadStatus,
    Pipeline,
    Semantics,
    TimelineEntry,
    TimelineKind,
)

SEED = 20261126
LEADS, COMPANIES, CONTACTS, DEALS, ACTIVITIES = 200, 100, 300, 500, 600
PARTNER_PIPELINE = "Partners"
PARTNER_STAGES = [
    ("Application", Semantics.PROCESS),
    ("Qualification", Semantics.PROCESS),
    ("Contract", Semantics.PROCESS),
    ("Signed", Semantics.SUCCESS),
    ("Declined", Semantics.FAILURE),
]


async def load_demo_crm(session: AsyncSession) -> bool:
    """Adds the demo CRM records unless there are some already; False when skipped."""
    if await session.scalar(select(func.count()).select_from(Deal)):
        return False
    rng = random.Random(SEED)
    users = list((await session.execute(select(User.id).order_by(User.id))).scalars())
    now = datetime.now(UTC).replace(microsecond=0)
    pipelines = await _pipelines(session)
    statuses = list((await session.execute(select(LeadStatus).order_by(LeadStatus.sort))).scalars())
    sources = list((await session.execute(select(LeadSource.id))).scalars())

    def when(days: int = 365) -> datetime:
        return now - timedelta(minutes=rng.randrange(days * 24 * 60))

    def person() -> tuple[str, str]:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        # Russian surnames agree with the person: Ivanov, Ivanova.
        return first, last + "a" if first in FEMININE_NAMES else last

    companies = await _insert(
        session,
        Company,
        [
            {
                "title": f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)} #{index + 1}",
                "industry": rng.choice(INDUSTRIES),
                "revenue": Decimal(rng.randrange(1, 500) * 100_000),
                "employees": rng.randrange(5, 5000),
                "address": f"{rng.randrange(1, 120)} Lenina St, Moscow",
                **_ownership(rng, users, when()),
            }
            for index in range(COMPANIES)
        ],
    )
    contacts = await _insert(
        session,
        Contact,
        [
            dict(zip(("first_name", "last_name"), person(), strict=True))
            | {"position": rng.choice(["CEO", "CFO", "Buyer", "Engineer", "Manager"])}
            | _ownership(rng, users, when())
            for _ in range(CONTACTS)
        ],
    )
    await _rows(
        session,
        ContactCompany,
        [
            {"contact_id": contact, "company_id": company}
            for contact in contacts
            for company in {rng.choice(companies) for _ in range(rng.choice([1, 1, 1, 2]))}
        ],
    )
    open_statuses = [s.id for s in statuses if s.semantics is not Semantics.SUCCESS]
    leads = await _insert(
        session,
        Lead,
        [
            {
                "title": f"Enquiry from {first} {last}",
                "first_name": first,
                "last_name": last,
                "company_title": f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)}",
                "status_id": rng.choice(open_statuses),
                "source_id": rng.choice(sources),
                "utm_source": rng.choice(UTM_SOURCES),
                **_ownership(rng, users, when(90)),
            }
            for first, last in (person() for _ in range(LEADS))
        ],
    )
    await _communications(
        session,
        rng,
        [(CrmEntity.LEAD, pk) for pk in leads]
        + [(CrmEntity.CONTACT, pk) for pk in contacts]
        + [(CrmEntity.COMPANY, pk) for pk in companies],
    )
    deals = await _deals(session, rng, users, pipelines, companies, contacts, when)
    await _activities(
        session,
        rng,
        users,
        [*((CrmEntity.DEAL, pk) for pk in deals), *((CrmEntity.LEAD, pk) for pk in leads)],
        when,
    )
    return True


def _ownership(rng: random.Random, users: list[int], created: datetime) -> dict[str, Any]:
    return {
        "assigned_to_id": rng.choice(users),
        "created_by_id": rng.choice(users),
        "opened": rng.random() < 0.7,
        "created_at": created,
        "updated_at": created,
    }


async def _insert(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Multi-row INSERT … RETURNING id, ids in the order of ``rows``."""
    result = await session.execute(
        insert(model).returning(model.id, sort_by_parameter_order=True), rows
    )
    return list(result.scalars())


async def _rows(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(model), rows)


async def _pipelines(session: AsyncSession) -> dict[int, list[DealStage]]:
    """Stages by pipeline, after adding the demo's second pipeline if it is missing."""
    names = set((await session.execute(select(Pipeline.name))).scalars())
    if PARTNER_PIPELINE not in names:
        (pipeline_id,) = await _insert(
            session, Pipeline, [{"name": PARTNER_PIPELINE, "sort": 20, "is_default": False}]
        )
        await _rows(
            session,
            DealStage,
            [
                {"pipeline_id": pipeline_id, "name": name, "sort": (i + 1) * 10, "semantics": kind}
                for i, (name, kind) in enumerate(PARTNER_STAGES)
            ],
        )
    stages: dict[int, list[DealStage]] = {}
    for stage in (await session.execute(select(DealStage).order_by(DealStage.sort))).scalars():
        stages.setdefault(stage.pipeline_id, []).append(stage)
    return stages


async def _communications(
    session: AsyncSession, rng: random.Random, owners: list[tuple[CrmEntity, int]]
) -> None:
    rows = []
    for entity, pk in owners:
        digits = f"79{rng.randrange(10**9):09d}"
        phone = f"+7 ({digits[1:4]}) {digits[4:7]}-{digits[7:9]}-{digits[9:]}"
        address = f"{entity.value.lower()}{pk}@example.ru"
        rows.append(
            {
                "entity_type": entity,
                "entity_id": pk,
                "kind": CommunicationKind.PHONE,
                "value_type": "WORK",
                "value": phone,
                "normalized": digits,
                "sort": 0,
            }
        )
        rows.append(
            {
                "entity_type": entity,
                "entity_id": pk,
                "kind": CommunicationKind.EMAIL,
                "value_type": "WORK",
                "value": address,
                "normalized": address,
                "sort": 1,
            }
        )
    await _rows(session, Communication, rows)


async def _deals(
    session: AsyncSession,
    rng: random.Random,
    users: list[int],
    pipelines: dict[int, list[DealStage]],
    companies: list[int],
    contacts: list[int],
    when: Any,
) -> list[int]:
    """Deals spread over both pipelines and all stages, with their stage history."""
    plans = []
    for index in range(DEALS):
        pipeline_id = rng.choice(list(pipelines))
        stages = pipelines[pipeline_id]
        stage = rng.choice(stages)
        created = when()
        closed = stage.semantics is not Semantics.PROCESS
        plans.append(
            (
                stages,
                stage,
                created,
                {
                    "title": f"Deal #{index + 1}: {rng.choice(DEAL_SUBJECTS)}",
                    "pipeline_id": pipeline_id,
                    "stage_id": stage.id,
                    "amount": Decimal(rng.randrange(1, 2000) * 500),
                    "currency": rng.choice(CURRENCIES),
                    "probability": rng.randrange(0, 101, 10),
                    "company_id": rng.choice(companies),
                    "closed_at": created + timedelta(days=rng.randrange(1, 60)) if closed else None,
                    **_ownership(rng, users, created),
                },
            )
        )
    deals = await _insert(session, Deal, [plan[3] for plan in plans])
    moves: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    for deal_id, (stages, stage, created, row) in zip(deals, plans, strict=True):
        path = [s for s in stages if s.semantics is Semantics.PROCESS and s.sort <= stage.sort]
        if stage.semantics is not Semantics.PROCESS:
            path.append(stage)
        previous = None
        for step, reached in enumerate(path or [stage]):
            moves.append(
                {
                    "deal_id": deal_id,
                    "from_stage_id": previous,
                    "to_stage_id": reached.id,
                    "moved_by_id": row["assigned_to_id"],
                    "moved_at": created + timedelta(hours=step),
                }
            )
            previous = reached.id
        links.extend(
            {"deal_id": deal_id, "contact_id": contact}
            for contact in set(rng.sample(contacts, rng.choice([1, 1, 2])))
        )
    await _rows(session, DealStageMove, moves)
    await _rows(session, DealContact, links)
    return deals


async def _activities(
    session: AsyncSession,
    rng: random.Random,
    users: list[int],
    owners: list[tuple[CrmEntity, int]],
    when: Any,
) -> None:
    kinds = list(ActivityKind)
    subjects = {
        ActivityKind.CALL: "Call",
        ActivityKind.MEETING: "Meeting",
        ActivityKind.EMAIL: "E-mail",
        ActivityKind.NOTE: "Note",
    }
    plans = []
    for _ in range(ACTIVITIES):
        kind = rng.choice(kinds)
        start = when(120)
        completed = rng.random() < 0.6
        owner = rng.choice(owners)
        author = rng.choice(users)
        plans.append(
            (
                owner,
                author,
                {
                    "kind": kind,
                    "subject": f"{subjects[kind]} about {owner[0].value.lower()} #{owner[1]}",
                    "description": "",
                    "direction": ActivityDirection.NONE
                    if kind is ActivityKind.NOTE
                    else rng.choice([ActivityDirection.INCOMING, ActivityDirection.OUTGOING]),
                    "start_at": start,
                    "end_at": start + timedelta(minutes=rng.choice([15, 30, 60])),
                    "completed": completed,
                    "completed_at": start + timedelta(hours=1) if completed else None,
                    "assigned_to_id": author,
                    "created_by_id": author,
                    "created_at": start,
                    "updated_at": start,
                },
            )
        )
    activities = await _insert(session, Activity, [plan[2] for plan in plans])
    await _rows(
        session,
        ActivityBinding,
        [
            {"activity_id": pk, "entity_type": owner[0], "entity_id": owner[1]}
            for pk, (owner, _author, _row) in zip(activities, plans, strict=True)
        ],
    )
    await _rows(
        session,
        TimelineEntry,
        [
            {
                "entity_type": owner[0],
                "entity_id": owner[1],
                "kind": TimelineKind.ACTIVITY,
                "author_id": author,
                "activity_id": pk,
                "created_at": row["created_at"],
            }
            for pk, (owner, author, row) in zip(activities, plans, strict=True)
        ],
    )
