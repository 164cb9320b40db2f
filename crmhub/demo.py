"""Demo data: a small company with a department tree, heads, a dozen users, the demo roles
they hold (``demo_access.py``) and its CRM (``demo_crm.py``).

Every demo user's password is ``demo``. Loading is idempotent: departments are matched by
name and parent, users by e-mail, and only what is missing is added.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.passwords import hash_password
from auth.policy.epoch import bump_policy_epoch
from auth.viewer import Viewer
from crmhub.app import auth_config
from crmhub.database import create_engine, create_session_factory
from crmhub.demo_access import ensure_demo_access
from crmhub.demo_collaboration import load_collaboration_demo
from crmhub.demo_crm import load_demo_crm
from crmhub.demo_crm_activity import load_crm_activity_demo
from crmhub.settings import Settings
from models import Department, User
from resolvers import users
from resolvers.context import RequestContext, Services

DEMO_PASSWORD = "demo"

# (name, parent name)
DEPARTMENTS = [
    ("Headquarters", None),
    ("Sales", "Headquarters"),
    ("Sales North", "Sales"),
    ("Sales South", "Sales"),
    ("Marketing", "Headquarters"),
]


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    position: str
    department: str
    is_admin: bool = False
    heads: bool = False


USERS = [
    DemoUser("admin@example.com", "Alexei Orlov", "CEO", "Headquarters", is_admin=True, heads=True),
    DemoUser("irina.volkova@example.com", "Irina Volkova", "Head of sales", "Sales", heads=True),
    DemoUser("pavel.sokolov@example.com", "Pavel Sokolov", "Team lead", "Sales North", heads=True),
    DemoUser("maria.ivanova@example.com", "Maria Ivanova", "Sales manager", "Sales North"),
    DemoUser("dmitry.kuznetsov@example.com", "Dmitry Kuznetsov", "Sales manager", "Sales North"),
    DemoUser("olga.popova@example.com", "Olga Popova", "Team lead", "Sales South", heads=True),
    DemoUser("sergey.lebedev@example.com", "Sergey Lebedev", "Sales manager", "Sales South"),
    DemoUser("elena.kozlova@example.com", "Elena Kozlova", "Sales manager", "Sales South"),
    DemoUser("nikita.novikov@example.com", "Nikita Novikov", "Sales intern", "Sales South"),
    DemoUser(
        "anna.morozova@example.com", "Anna Morozova", "Head of marketing", "Marketing", heads=True
    ),
    DemoUser("ivan.petrov@example.com", "Ivan Petrov", "Marketing manager", "Marketing"),
    DemoUser("ksenia.fedorova@example.com", "Ksenia Fedorova", "Office manager", "Headquarters"),
]


@asynccontextmanager
async def _session(settings: Settings) -> AsyncIterator[AsyncSession]:
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            yield session
    finally:
        await engine.dispose()


async def load_demo(settings: Settings, *, only_if_empty: bool = False) -> bool:
    """Adds whatever demo data is missing; False when there was nothing to do."""
    async with _session(settings) as session:
        if only_if_empty and await session.scalar(select(func.count()).select_from(User)):
            return False
        departments = await _ensure_departments(session)
        added = await _ensure_users(session, departments)
        added = await ensure_demo_access(session) or added
        if await load_demo_crm(session):
            # Its pipeline and stages: every policy is recompiled with them.
            await bump_policy_epoch(session)
            added = True
        await session.commit()
    engine = create_engine(settings.database_url)
    services = Services(session_factory=create_session_factory(engine), auth=auth_config(settings))
    try:
        added_collaboration = await load_collaboration_demo(services)
        added_collaboration = await load_crm_activity_demo(services) or added_collaboration
    finally:
        await engine.dispose()
    return added or added_collaboration


async def _ensure_departments(session: AsyncSession) -> dict[str, Department]:
    by_name = {d.name: d for d in (await session.execute(select(Department))).scalars()}
    for name, parent_name in DEPARTMENTS:
        if name in by_name:
            continue
        parent = by_name[parent_name] if parent_name else None
        department = Department(name=name, parent_id=parent.id if parent else None, path="")
        session.add(department)
        await session.flush()
        department.path = f"{parent.path if parent else '/'}{department.id}/"
        by_name[name] = department
    return by_name


async def _ensure_users(session: AsyncSession, departments: dict[str, Department]) -> bool:
    existing = set((await session.execute(select(User.email))).scalars())
    missing = [demo for demo in USERS if demo.email not in existing]
    hashes = await asyncio.gather(
        *(asyncio.to_thread(hash_password, DEMO_PASSWORD) for _ in missing)
    )
    for demo, password_hash in zip(missing, hashes, strict=True):
        department = departments[demo.department]
        user = User(
            email=demo.email,
            name=demo.name,
            position=demo.position,
            department_id=department.id,
            is_admin=demo.is_admin,
            active=True,
            password_hash=password_hash,
        )
        session.add(user)
        await session.flush()
        if demo.heads and department.head_id is None:
            department.head_id = user.id
    return bool(missing)


async def create_user_directly(
    settings: Settings,
    email: str,
    name: str,
    password: str,
    *,
    is_admin: bool,
    position: str = "",
) -> None:
    """`crmhub createuser`: the same rules as the API, run as the system."""
    engine = create_engine(settings.database_url)
    system = Viewer(user_id=0, is_admin=True, department_id=None, department_path="", token_id=0)
    services = Services(session_factory=create_session_factory(engine), auth=auth_config(settings))
    ctx = RequestContext(services=services, viewer=system, client_address="cli")
    try:
        await users.create_user(
            ctx,
            users.NewUser(
                email=email, name=name, password=password, position=position, is_admin=is_admin
            ),
        )
    finally:
        await ctx.close()
        await engine.dispose()
