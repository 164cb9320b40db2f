"""Writing a population into an empty database through the ORM models.

Rows get the database's ids; ``Loaded`` maps the population's indexes to them, and holds a
bearer token per user (minted directly: argon2 logins would cost most of an example).
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.tokens import issue_token
from models import (
    ANY_SCOPE,
    POLICY_EPOCH_ID,
    AccessAction,
    AccessLevel,
    Department,
    FieldRule,
    FieldRuleKind,
    PolicyEpoch,
    Role,
    RoleAssignment,
    RolePermission,
    RuleScope,
    SessionFactory,
    StageTransition,
    User,
    utcnow,
)
from models.crm import (
    Communication,
    CommunicationKind,
    Company,
    Contact,
    ContactCompany,
    CrmEntity,
    CustomField,
    CustomFieldKind,
    CustomValue,
    Deal,
    DealContact,
    DealStage,
    Lead,
    LeadStatus,
    Pipeline,
    Semantics,
)
from resolvers.crm.communications import normalized_for_lookup
from tests.factories import password_hash
from tests.oracle.domain import (
    CUSTOM_FIELDS,
    PIPELINES,
    Entity,
    Population,
    Record,
    Scope,
    ScopeKind,
    stage_semantics,
)
from tests.oracle.ids import Loaded, status_id
from tests.oracle.load_collaboration import (
    load_activities,
    load_events_and_notifications,
    load_tasks_and_posts,
)

# Emptying the tables resets the policy epoch; every load moves it past any epoch a policy
# was cached under, so no example sees the policies compiled for the previous one.
_epochs = itertools.count(1_000)


async def load(session_factory: SessionFactory, population: Population, secret: bytes) -> Loaded:
    loaded = Loaded()
    async with session_factory() as session:
        await _dictionaries(session, loaded)
        await _company(session, population, loaded)
        await _roles(session, population, loaded)
        await _records(session, population, loaded)
        await load_activities(session, population, loaded)
        await load_tasks_and_posts(session, population, loaded)
        await load_events_and_notifications(session, population, loaded)
        for user_id in loaded.ids["USER"]:
            loaded.tokens.append(await issue_token(session, user_id, secret, timedelta(hours=1)))
        await session.merge(PolicyEpoch(id=POLICY_EPOCH_ID, epoch=next(_epochs)))
        await session.commit()
    return loaded


async def _dictionaries(session: AsyncSession, loaded: Loaded) -> None:
    statuses = await session.scalars(select(LeadStatus.id).order_by(LeadStatus.sort))
    loaded.lead_statuses = list(statuses)
    default = await session.scalar(select(Pipeline.id).where(Pipeline.is_default))
    assert default is not None
    second = Pipeline(name="Service", sort=20, is_default=False)
    session.add(second)
    await session.flush()
    session.add_all(
        DealStage(
            pipeline_id=second.id, name=name, sort=10 * (index + 1), semantics=Semantics(value)
        )
        for index, (name, value) in enumerate((n, s.value) for n, s in PIPELINES[1])
    )
    await session.flush()
    loaded.pipelines = [default, second.id]
    for pipeline, pipeline_id in enumerate(loaded.pipelines):
        rows = await session.scalars(
            select(DealStage.id)
            .where(DealStage.pipeline_id == pipeline_id)
            .order_by(DealStage.sort, DealStage.id)
        )
        for index, stage_id in enumerate(rows):
            loaded.stages[(pipeline, index)] = stage_id


async def _company(session: AsyncSession, population: Population, loaded: Loaded) -> None:
    departments: list[Department] = []
    for index, spec in enumerate(population.departments):
        parent = departments[spec.parent] if spec.parent is not None else None
        department = Department(
            name=f"Department {index}", parent_id=parent.id if parent else None, path=""
        )
        session.add(department)
        await session.flush()
        department.path = f"{parent.path if parent else '/'}{department.id}/"
        departments.append(department)
    users = [
        User(
            email=f"user{index}@oracle.test",
            name=f"User {index}",
            position="",
            department_id=None if spec.department is None else departments[spec.department].id,
            is_admin=spec.is_admin,
            active=True,
            password_hash=password_hash(),
        )
        for index, spec in enumerate(population.users)
    ]
    session.add_all(users)
    await session.flush()
    for department, spec in zip(departments, population.departments, strict=True):
        department.head_id = None if spec.head is None else users[spec.head].id
    loaded.ids["DEPARTMENT"] = [d.id for d in departments]
    loaded.ids["USER"] = [u.id for u in users]


async def _roles(session: AsyncSession, population: Population, loaded: Loaded) -> None:
    for index, spec in enumerate(population.roles):
        role = Role(name=f"Role {index}", description="")
        session.add(role)
        await session.flush()
        for (entity, action, scope), level in spec.levels.items():
            session.add(
                RolePermission(
                    role_id=role.id,
                    entity=CrmEntity(entity.value),
                    action=AccessAction(action.value),
                    scope=_rule_scope(loaded, scope),
                    level=AccessLevel[level.name],
                )
            )
        for (entity, name, status), rule in spec.field_rules.items():
            session.add(
                FieldRule(
                    role_id=role.id,
                    entity=CrmEntity(entity.value),
                    field=name,
                    scope=ANY_SCOPE
                    if status is None
                    else RuleScope.of_status(status_id(loaded, status)),
                    rule=FieldRuleKind(rule),
                )
            )
        for pipeline, moves in spec.transitions.items():
            session.add_all(
                StageTransition(
                    role_id=role.id,
                    pipeline_id=loaded.pipelines[pipeline],
                    from_stage_id=loaded.stages[(pipeline, start)],
                    to_stage_id=loaded.stages[(pipeline, end)],
                )
                for start, end in sorted(moves)
            )
        session.add_all(
            RoleAssignment(role_id=role.id, user_id=loaded.ids["USER"][user])
            for user in sorted(spec.users)
        )
        session.add_all(
            RoleAssignment(role_id=role.id, department_id=loaded.ids["DEPARTMENT"][department])
            for department in sorted(spec.departments)
        )
    await session.flush()


def _rule_scope(loaded: Loaded, scope: Scope) -> RuleScope:
    if scope.kind is ScopeKind.STATUS:
        assert scope.status is not None
        return RuleScope.of_status(status_id(loaded, scope.status))
    if scope.kind is ScopeKind.PIPELINE:
        assert scope.pipeline is not None
        return RuleScope.of_pipeline(loaded.pipelines[scope.pipeline])
    if scope.kind is ScopeKind.SEMANTICS:
        assert scope.semantics is not None
        return RuleScope.of_semantics(Semantics(scope.semantics.value))
    return ANY_SCOPE


def _row(loaded: Loaded, record: Record) -> Any:
    user_ids = loaded.ids["USER"]
    responsible = None if record.responsible is None else user_ids[record.responsible]
    common: dict[str, Any] = {
        "assigned_to_id": responsible,
        "created_by_id": responsible,
        "opened": record.opened,
    }
    first, last = record.title.split(" ")
    if record.entity is Entity.LEAD:
        assert record.status is not None
        return Lead(
            title=record.title,
            first_name=first,
            last_name=last,
            status_id=status_id(loaded, record.status),
            **common,
        )
    if record.entity is Entity.CONTACT:
        return Contact(first_name=first, last_name=last, **common)
    if record.entity is Entity.COMPANY:
        return Company(title=record.title, industry=record.industry, **common)
    assert isinstance(record.status, tuple)
    company_ids = loaded.ids["COMPANY"]
    return Deal(
        title=record.title,
        pipeline_id=loaded.pipelines[record.status[0]],
        stage_id=status_id(loaded, record.status),
        amount=record.amount,
        currency="USD",
        company_id=None if record.company is None else company_ids[record.company],
        # A deal in a won or lost stage was closed, as moving it there would have done.
        closed_at=None if _working(record.status) else utcnow(),
        **common,
    )


def _working(stage: tuple[int, int]) -> bool:
    return stage_semantics(stage).value == Semantics.PROCESS.value


async def _records(session: AsyncSession, population: Population, loaded: Loaded) -> None:
    # Companies first: contacts and deals refer to them, deals to contacts.
    for entity in (Entity.COMPANY, Entity.CONTACT, Entity.LEAD, Entity.DEAL):
        rows = [_row(loaded, record) for record in population.records[entity]]
        session.add_all(rows)
        await session.flush()
        loaded.ids[entity.value] = [row.id for row in rows]
        for row, record in zip(rows, population.records[entity], strict=True):
            if record.phone is not None:
                session.add(_phone(entity, row.id, record.phone))
            session.add_all(
                ContactCompany(contact_id=row.id, company_id=loaded.ids["COMPANY"][company])
                for company in sorted(record.companies)
            )
            session.add_all(
                DealContact(deal_id=row.id, contact_id=loaded.ids["CONTACT"][contact])
                for contact in sorted(record.contacts)
            )
        await _custom_fields(session, entity, loaded.ids[entity.value])
    await session.flush()


async def _custom_fields(session: AsyncSession, entity: Entity, record_ids: list[int]) -> None:
    """The entity's custom fields (``CUSTOM_FIELDS``), each set on every record."""
    for sort, code in enumerate(CUSTOM_FIELDS[entity]):
        field = CustomField(
            entity=CrmEntity(entity.value),
            code=code,
            name=code,
            kind=CustomFieldKind.STRING,
            required=False,
            multiple=False,
            sort=sort,
            options=[],
            default=[],
        )
        session.add(field)
        await session.flush()
        session.add_all(
            CustomValue(
                field_id=field.id,
                entity=CrmEntity(entity.value),
                record_id=record_id,
                position=0,
                text=f"note {record_id}",
            )
            for record_id in record_ids
        )


def _phone(entity: Entity, record_id: int, phone: str) -> Communication:
    return Communication(
        entity_type=CrmEntity(entity.value),
        entity_id=record_id,
        kind=CommunicationKind.PHONE,
        value_type="WORK",
        value=phone,
        normalized=normalized_for_lookup(CommunicationKind.PHONE, phone, "phone"),
    )
