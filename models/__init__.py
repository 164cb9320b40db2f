"""SQLAlchemy 2.0 typed ORM models, one module per aggregate."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import models.crm  # noqa: F401  (registers the CRM tables on Base.metadata)
from models.base import Base, utcnow
from models.identity import Department, User
from models.sessions import AuthToken, LoginFailure

SessionFactory = async_sessionmaker[AsyncSession]

__all__ = [
    "AuthToken",
    "Base",
    "Department",
    "LoginFailure",
    "SessionFactory",
    "User",
    "utcnow",
]
