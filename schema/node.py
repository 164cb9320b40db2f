"""The Relay root field ``node(id:)``."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.context import Info
from schema.relay import Node, fetch_node


@strawberry.type
class NodeQueries:
    @strawberry.field(description="Any object by its global ID, if the viewer may see it.")
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="An object's `id`.")],
    ) -> Node:
        return await fetch_node(info, id)
