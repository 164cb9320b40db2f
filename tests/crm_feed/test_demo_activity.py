"""The demo leaves recent CRM activity in the feed, made through the resolvers."""

from __future__ import annotations

from sqlalchemy import select

from crmhub.demo import load_demo
from crmhub.settings import Settings
from models import Event, Notification, SessionFactory, TaskCrmLink


async def test_the_demo_feed_shows_crm_activity(
    settings: Settings, session_factory: SessionFactory
) -> None:
    await load_demo(settings)
    async with session_factory() as session:
        kinds = set((await session.scalars(select(Event.kind))).all())
        notified = set((await session.scalars(select(Notification.kind))).all())
        links = (await session.scalars(select(TaskCrmLink.entity_type))).all()
    assert {"DEAL_CREATED", "DEAL_STAGE_MOVED"} <= kinds
    assert "DEAL_ASSIGNED" in notified
    assert links == ["DEAL"]
