"""Reading the one row a lookup by id asks for."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import not_found

T = TypeVar("T")


async def one_or_not_found(
    session: AsyncSession,
    statement: Select[tuple[T]],
    type_name: str,
    key: int,
    field: str = "id",
) -> T:
    """The row ``statement`` selects (its filters include the viewer's visibility), or
    NOT_FOUND naming the ``type_name`` object's global ID: a row that does not exist and
    one the viewer may not see answer alike."""
    row = (await session.execute(statement)).scalar_one_or_none()
    if row is None:
        raise not_found(type_name, key, field)
    return row
