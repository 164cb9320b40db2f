"""Relay plumbing: global IDs, the Node interface, connections built from resolver pages."""

from __future__ import annotations

import asyncio
import base64
import binascii
import enum
import re
from collections.abc import Awaitable, Callable
from typing import Annotated, Generic, TypeVar

import strawberry
from strawberry.types.arguments import StrawberryArgumentAnnotation

from models.global_ids import global_id
from resolvers.errors import BadInput, Forbidden, NotFound
from resolvers.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, PageRequest
from schema.context import Info
from schema.enums import described_enum

NodeT = TypeVar("NodeT")
RowT = TypeVar("RowT")


def encode_id(type_name: str, pk: int) -> strawberry.ID:
    return strawberry.ID(global_id(type_name, pk))


# Primary keys are BIGINTs: anything outside cannot name a row and would overflow the driver.
MAX_PK = 2**63 - 1
# ASCII digits only, no sign, no leading zero (int() takes "١٢", " 1", "+1", "1_0", "01"):
# one row, one ID.
_PK = re.compile(r"[1-9][0-9]{0,18}")


def decode_any_id(global_id: str, field: str = "id") -> tuple[str, int]:
    """(type name, primary key) of an ID exactly as ``encode_id`` writes it ("=" padding
    allowed); anything else is BadInput, never a second name for the same row."""
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, _, raw_pk = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
    except (binascii.Error, ValueError) as error:  # UnicodeError is a ValueError
        raise BadInput(f"'{global_id}' is not an ID", field=field) from error
    pk = int(raw_pk) if _PK.fullmatch(raw_pk) else 0
    # Base64 decoding skips stray characters: only the canonical spelling names the row.
    if not 0 < pk <= MAX_PK or encode_id(type_name, pk) != global_id.rstrip("="):
        raise BadInput(f"'{global_id}' is not an ID", field=field)
    return type_name, pk


def decode_id(global_id: str, type_name: str, field: str = "id") -> int:
    """The primary key of a global ID, which must be of ``type_name``."""
    actual, pk = decode_any_id(global_id, field)
    if actual != type_name:
        raise BadInput(f"'{field}' must be the ID of a {type_name}, not a {actual}", field=field)
    return pk


def decode_optional_id(global_id: str | None, type_name: str, field: str) -> int | None:
    return None if global_id is None else decode_id(global_id, type_name, field)


@strawberry.interface(description="An object with a globally unique, opaque ID.")
class Node:
    pk: strawberry.Private[int]

    @strawberry.field(
        description="Opaque and stable: pass it back as is (to `node(id:)` or an `…Id` "
        "argument); it names the type too, so an ID of another type is refused."
    )
    def id(self) -> strawberry.ID:
        return encode_id(type(self).__name__, self.pk)


NodeFetcher = Callable[[Info, int], Awaitable[Node]]
_fetchers: dict[str, NodeFetcher] = {}


def node_fetcher(type_name: str) -> Callable[[NodeFetcher], NodeFetcher]:
    """Register how ``node(id:)`` loads objects of one type (with that type's access rules)."""

    def register(fetch: NodeFetcher) -> NodeFetcher:
        _fetchers[type_name] = fetch
        return fetch

    return register


# At most this many IDs per `nodes(ids:)`, as many as the largest page of a list.
MAX_NODE_IDS = MAX_PAGE_SIZE


async def _fetch_or_none(info: Info, type_name: str, pk: int) -> Node | None:
    """The object, or None when it does not exist or the viewer may not see it: the two
    answer alike, so an ID tells nothing about rows the viewer cannot read."""
    fetch = _fetchers.get(type_name)
    if fetch is None:
        return None
    try:
        return await fetch(info, pk)
    except (NotFound, Forbidden):
        return None


async def fetch_node(info: Info, global_id: strawberry.ID) -> Node | None:
    type_name, pk = decode_any_id(global_id)
    return await _fetch_or_none(info, type_name, pk)


async def fetch_nodes(info: Info, global_ids: list[strawberry.ID]) -> list[Node | None]:
    """The objects in the order asked, None where ``node(id:)`` would answer null. Every
    fetcher loads through the request's DataLoaders, and all are started before any is
    awaited, so each type costs one batched statement however many IDs name it."""
    if len(global_ids) > MAX_NODE_IDS:
        raise BadInput(f"Ask for at most {MAX_NODE_IDS} IDs at once", field="ids")
    keys = [decode_any_id(global_id, f"ids[{index}]") for index, global_id in enumerate(global_ids)]
    return list(
        await asyncio.gather(*(_fetch_or_none(info, type_name, pk) for type_name, pk in keys))
    )


@strawberry.type(description="Where a page sits in the whole list, to ask for the next one.")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="Items follow this page: ask again with `after: endCursor`."
    )
    has_previous_page: bool = strawberry.field(
        description="Items precede this page: ask again with `before: startCursor`."
    )
    start_cursor: str | None = strawberry.field(
        description="The first edge's cursor; null when the page is empty."
    )
    end_cursor: str | None = strawberry.field(
        description="The last edge's cursor; null when the page is empty."
    )


@strawberry.type(description="One item of a page, with its position in the list.")
class Edge(Generic[NodeT]):
    cursor: str = strawberry.field(
        description="Opaque; pass it as `after` or `before` to page from this item, in the same "
        "list and order (another answers BAD_USER_INPUT)."
    )
    node: NodeT = strawberry.field(description="The item.")


@strawberry.type(
    description="One page of a list, in keyset order: asking for the next page costs what "
    "the first cost, and items added meanwhile neither repeat nor shift the pages."
)
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]] = strawberry.field(
        description=f"The page's items, at most {MAX_PAGE_SIZE}."
    )
    page_info: PageInfo = strawberry.field(description="Cursors and whether more pages exist.")
    count_total: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="All items matching the filter, over every page.")
    async def total_count(self) -> int:
        return await self.count_total()

    @classmethod
    def of(cls, page: Page[RowT], convert: Callable[[RowT], NodeT]) -> Connection[NodeT]:
        return cls(
            edges=[
                Edge(cursor=cursor, node=convert(item))
                for item, cursor in zip(page.items, page.cursors, strict=True)
            ],
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            ),
            count_total=page.count_total,
        )


# The arguments of every connection field.
First = Annotated[
    int | None,
    strawberry.argument(
        description=f"Page forward: at most this many items (0 to {MAX_PAGE_SIZE}; "
        f"{DEFAULT_PAGE_SIZE} when neither `first` nor `last` is given). Not with `last`."
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(description="Start after the item with this cursor (an edge's `cursor`)."),
]
Last = Annotated[
    int | None,
    strawberry.argument(
        description=f"Page backward: at most this many items (0 to {MAX_PAGE_SIZE}) before "
        "`before`, or at the end of the list. Not with `first`."
    ),
]
Before = Annotated[
    str | None,
    strawberry.argument(description="End before the item with this cursor (an edge's `cursor`)."),
]


# The `filter` and `orderBy` arguments of connection fields.
def matching(items: str) -> StrawberryArgumentAnnotation:
    return strawberry.argument(description=f"Only the {items} matching it; all when null.")


ORDER_BY = strawberry.argument(description="Sort keys, most significant first.")


def page_request(
    first: int | None, after: str | None, last: int | None, before: str | None
) -> PageRequest:
    return PageRequest(first=first, after=after, last=last, before=before)


class OrderDirection(enum.Enum):
    ASC = "ASC"
    DESC = "DESC"


described_enum(
    OrderDirection,
    "How an `orderBy` field sorts.",
    {
        OrderDirection.ASC: "Smallest first: oldest, A to Z, lowest.",
        OrderDirection.DESC: "Largest first: newest, Z to A, highest.",
    },
)
