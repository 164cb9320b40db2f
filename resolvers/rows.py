"""Reading the one row a lookup by id asks for."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import NotFound

T = TypeVar("T")


async def one_or_not_found(
    session: AsyncSession, statement: Select[tuple[T]], what: str, key: int, field: str = "id"
) -> T:
    """The row ``statement`` selects (its filters include the viewer's visibility), or
    NOT_FOUND: a row that does not exist and one the viewer may not see answer alike."""
    row = (await session.execute(statement)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"No {what} with id {key}", field=field)
    return row
