"""A larger company for tasks and posts, on top of ``seed``, and helpers to act as its users.

Root ⊃ Sales (head: Hugo) ⊃ {North, South}; Root ⊃ Marketing (head: Mara).
North: Mia (seed.member), Nina. South: Sam. Marketing: Max, Owen. Admin Ada at the root.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from auth.tokens import issue_token
from crmhub.settings import Settings
from models import Department, Event, Notification, SessionFactory, User
from schema.relay import encode_id
from tests.client import GraphQLClient
from tests.factories import Seed, _department, _user

# The scopes of feed events; notification and access events have others.
FEED_SCOPES = ("POST", "TASK")


@dataclass(frozen=True)
class Company:
    seed: Seed
    south: Department
    marketing: Department
    nina: User
    sam: User
    mara: User
    max: User
    owen: User

    @property
    def mia(self) -> User:
        return self.seed.member

    @property
    def hugo(self) -> User:
        return self.seed.head

    @property
    def ada(self) -> User:
        return self.seed.admin


async def seed_larger_company(session_factory: SessionFactory, seed: Seed) -> Company:
    async with session_factory() as session:
        sales = await session.get(Department, seed.sales.id)
        root = await session.get(Department, seed.root.id)
        assert sales is not None and root is not None
        south = await _department(session, "South", sales)
        marketing = await _department(session, "Marketing", root)
        nina = _user("nina@example.com", "Nina North", seed.north)
        sam = _user("sam@example.com", "Sam South", south)
        mara = _user("mara@example.com", "Mara Marketing", marketing)
        max_ = _user("max@example.com", "Max Marketer", marketing)
        owen = _user("owen@example.com", "Owen Outsider", marketing)
        session.add_all([nina, sam, mara, max_, owen])
        await session.flush()
        marketing.head_id = mara.id
        await session.commit()
    return Company(seed, south, marketing, nina, sam, mara, max_, owen)


def gid(type_name: str, pk: int) -> str:
    return str(encode_id(type_name, pk))


class Users:
    """Clients acting as given users, with a token issued once per user and test.

    Tokens are issued directly rather than by logging in: a login costs an argon2
    verification, and the login itself is covered by the platform's tests.
    """

    def __init__(
        self, client: GraphQLClient, session_factory: SessionFactory, settings: Settings
    ) -> None:
        self._client = client
        self._session_factory = session_factory
        self._settings = settings
        self._tokens: dict[int, str] = {}

    async def __call__(self, user: User) -> GraphQLClient:
        if user.id not in self._tokens:
            async with self._session_factory() as session:
                self._tokens[user.id] = await issue_token(
                    session, user.id, self._settings.token_secret, timedelta(hours=1)
                )
                await session.commit()
        return self._client.as_user(self._tokens[user.id])


async def notifications_of(session_factory: SessionFactory, user: User) -> list[Notification]:
    async with session_factory() as session:
        rows = await session.execute(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
        return list(rows.scalars())


async def all_notifications(session_factory: SessionFactory) -> list[tuple[int, str]]:
    async with session_factory() as session:
        rows = await session.execute(
            select(Notification.user_id, Notification.kind).order_by(Notification.id)
        )
        return [(user_id, kind) for user_id, kind in rows]


async def events(session_factory: SessionFactory) -> list[Event]:
    """The feed's events, in log order (not the notification and access events)."""
    statement = select(Event).where(Event.scope_type.in_(FEED_SCOPES)).order_by(Event.seq)
    async with session_factory() as session:
        return list((await session.execute(statement)).scalars())


async def gql(client: GraphQLClient, query: str, **variables: Any) -> dict[str, Any]:
    return await client.data(query, variables)
