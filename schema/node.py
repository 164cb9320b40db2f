"""The Relay root fields ``node(id:)`` and ``nodes(ids:)``."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.context import Info
from schema.relay import MAX_NODE_IDS, Node, fetch_node, fetch_nodes


@strawberry.type
class NodeQueries:
    @strawberry.field(
        description="Any object by its global ID; null when no such object exists or the "
        "viewer may not see it (the two answer alike). A malformed ID is BAD_USER_INPUT."
    )
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="An object's `id`.")],
    ) -> Node | None:
        return await fetch_node(info, id)

    @strawberry.field(
        description="Objects by their global IDs, in the order asked, each as `node(id:)` "
        "answers it: null where no such object exists or the viewer may not see it. Loaded "
        "in one batch per type. A malformed ID is BAD_USER_INPUT."
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(
                description=f"Objects' `id`s, at most {MAX_NODE_IDS}; repeats allowed."
            ),
        ],
    ) -> list[Node | None]:
        return await fetch_nodes(info, ids)
