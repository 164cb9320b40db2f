"""The Relay root field ``node(id:)``."""

from __future__ import annotations

import strawberry

from schema.context import Info
from schema.relay import Node, fetch_node


@strawberry.type
class NodeQueries:
    @strawberry.field(description="Any object by its global ID, if the viewer may see it.")
    async def node(self, info: Info, id: strawberry.ID) -> Node:
        return await fetch_node(info, id)
