"""The demo data loads through the resolvers and loading it again adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from crmhub.demo import load_demo
from crmhub.demo_collaboration import POST_BODIES, TASK_TITLES
from crmhub.settings import Settings
from models import Base, Comment, Event, Notification, Post, PostLike, SessionFactory, Task


async def _counts(session_factory: SessionFactory) -> dict[str, int]:
    counts = {}
    async with session_factory() as session:
        model: type[Base]
        for model in (Task, Post, Comment, PostLike, Event, Notification):
            counts[model.__name__] = int(
                await session.scalar(select(func.count()).select_from(model)) or 0
            )
    return counts


async def test_demo_collaboration_is_deterministic_and_idempotent(
    settings: Settings, engine: AsyncEngine, session_factory: SessionFactory
) -> None:
    assert await load_demo(settings) is True
    first = await _counts(session_factory)
    assert first["Task"] == len(TASK_TITLES)
    assert first["Post"] == len(POST_BODIES)
    assert first["Comment"] >= 24
    assert first["PostLike"] >= 24
    assert first["Event"] > first["Task"] + first["Post"]
    assert first["Notification"] > 0
    assert await load_demo(settings) is False
    assert await _counts(session_factory) == first
