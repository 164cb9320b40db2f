"""SQLAlchemy 2.0 typed ORM models, one module per aggregate."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.base import Base, utcnow
from models.comments import Comment
from models.events import Event
from models.identity import Department, User
from models.notifications import Notification
from models.posts import Post, PostLike, PostRecipient
from models.sessions import AuthToken, LoginFailure
from models.tasks import ChecklistItem, Task, TaskCrmLink, TaskMember, TaskTag

SessionFactory = async_sessionmaker[AsyncSession]

__all__ = [
    "AuthToken",
    "Base",
    "ChecklistItem",
    "Comment",
    "Department",
    "Event",
    "LoginFailure",
    "Notification",
    "Post",
    "PostLike",
    "PostRecipient",
    "SessionFactory",
    "Task",
    "TaskCrmLink",
    "TaskMember",
    "TaskTag",
    "User",
    "utcnow",
]
