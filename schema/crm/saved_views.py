"""GraphQL for saved views: ``savedViews(entity)``, ``createSavedView``,
``updateSavedView``, ``deleteSavedView`` (``resolvers/crm/saved_views.py``). Lists, exports
and reports apply one by their ``view`` argument."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from models.crm import CrmEntity, ViewSharing
from models.crm import SavedView as SavedViewRow
from resolvers.crm import saved_views
from resolvers.crm.fields import RECORD_FIELDS
from resolvers.crm.saved_views import ViewSpec
from resolvers.errors import BadInput
from schema.access_enums import AccessEntity
from schema.automation_shown import shown_filter
from schema.context import Info
from schema.crm.common import UserRef, load_user
from schema.crm.companies import CompanyFilter, CompanyOrder
from schema.crm.contacts import ContactFilter, ContactOrder
from schema.crm.deals import DealFilter, DealOrder
from schema.crm.filters import to_filter, to_order
from schema.crm.leads import LeadFilter, LeadOrder
from schema.enums import described_enum
from schema.relay import Node, decode_id, node_fetcher

described_enum(
    ViewSharing,
    "Who sees (and may apply) a saved view besides its owner.",
    {
        ViewSharing.PERSONAL: "Nobody: the owner only.",
        ViewSharing.DEPARTMENT: "The members of the owner's department.",
        ViewSharing.EVERYONE: "Every user.",
    },
    name="SavedViewSharing",
)

_KEYS = {entity: entity.value.lower() for entity in CrmEntity}


@strawberry.input(
    description="A view's filter: the filter input of its entity's list, under the entity's "
    'key (`deal: {amount: {gte: "1000"}}`); give the one of the view\'s entity only.'
)
class SavedViewFilterInput:
    lead: LeadFilter | None = strawberry.field(default=None, description="As `leads` takes it.")
    contact: ContactFilter | None = strawberry.field(
        default=None, description="As `contacts` takes it."
    )
    company: CompanyFilter | None = strawberry.field(
        default=None, description="As `companies` takes it."
    )
    deal: DealFilter | None = strawberry.field(default=None, description="As `deals` takes it.")


@strawberry.input(
    description="A view's order: the `orderBy` of its entity's list, under the entity's key; "
    "give the one of the view's entity only."
)
class SavedViewOrderInput:
    lead: list[LeadOrder] | None = strawberry.field(default=None, description="As `leads`.")
    contact: list[ContactOrder] | None = strawberry.field(
        default=None, description="As `contacts`."
    )
    company: list[CompanyOrder] | None = strawberry.field(
        default=None, description="As `companies`."
    )
    deal: list[DealOrder] | None = strawberry.field(default=None, description="As `deals`.")


_NAME = f"What people read, 1 to {saved_views.MAX_NAME} characters."
_SEARCH = "Free text, as the list's `filter.search`; with the filter, both must hold."
_COLUMNS = "The columns an export of the view gives (as `exportX(columns:)` names them)."


@strawberry.input(description="A new saved view.")
class SavedViewInput:
    name: str = strawberry.field(description=_NAME)
    entity: AccessEntity = strawberry.field(description="The records it lists.")
    sharing: ViewSharing = strawberry.field(
        default=ViewSharing.PERSONAL, description="Who else sees it."
    )
    filter: SavedViewFilterInput | None = strawberry.field(
        default=None, description="Which records; checked now as the list checks it."
    )
    order_by: SavedViewOrderInput | None = strawberry.field(
        default=None, description="Their order (default: the list's)."
    )
    search: str | None = strawberry.field(default=None, description=_SEARCH)
    columns: list[str] | None = strawberry.field(default=None, description=_COLUMNS)


@strawberry.input(description="Fields left out stay as they are; null clears a filter.")
class SavedViewPatch:
    name: str | None = strawberry.field(default=strawberry.UNSET, description=_NAME)
    sharing: ViewSharing | None = strawberry.field(
        default=strawberry.UNSET, description="Who else sees it."
    )
    filter: SavedViewFilterInput | None = strawberry.field(
        default=strawberry.UNSET, description="Which records (replaced whole)."
    )
    order_by: SavedViewOrderInput | None = strawberry.field(
        default=strawberry.UNSET, description="Their order (replaced whole)."
    )
    search: str | None = strawberry.field(default=strawberry.UNSET, description=_SEARCH)
    columns: list[str] | None = strawberry.field(default=strawberry.UNSET, description=_COLUMNS)


@strawberry.type(
    description="A named filter, order, search and columns of one entity's list. Applying "
    "it (`view:` of the lists, exports and reports) shows what your own rights show."
)
class SavedView(Node):
    name: str = strawberry.field(description="What people read.")
    entity: AccessEntity = strawberry.field(description="The records it lists.")
    sharing: ViewSharing = strawberry.field(description="Who else sees it.")
    filter: JSON = strawberry.field(
        description="Its filter, in the shape of the entity's filter input (IDs global)."
    )
    order_by: JSON = strawberry.field(
        description="Its order, as the list's `orderBy` takes it; empty: the list's."
    )
    search: str | None = strawberry.field(description="Its free-text search.")
    columns: list[str] = strawberry.field(description="Its export columns; empty: all.")
    can_change: bool = strawberry.field(
        description="Whether you may change or delete it (its owner, or an administrator)."
    )
    created_at: datetime = strawberry.field(description="When it was saved.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    owner_pk: strawberry.Private[int]

    @strawberry.field(description="Who saved it (and alone may change it).")
    async def owner(self, info: Info) -> UserRef | None:
        return await load_user(info, self.owner_pk)

    @classmethod
    def of(cls, info: Info, row: SavedViewRow) -> SavedView:
        fields = RECORD_FIELDS[row.entity]
        return cls(
            pk=row.id,
            name=row.name,
            entity=AccessEntity(row.entity),
            sharing=row.sharing,
            filter=JSON(shown_filter(row.entity, row.filter)),
            order_by=JSON(
                [
                    {
                        "field" if name in fields.by_name else "custom": _order_name(name, fields),
                        "direction": "DESC" if descending else "ASC",
                    }
                    for name, descending in row.order_by
                ]
            ),
            search=row.search,
            columns=list(row.columns),
            can_change=saved_views.may_change(info.context, row),
            created_at=row.created_at,
            updated_at=row.updated_at,
            owner_pk=row.owner_id,
        )


def _order_name(name: str, fields: Any) -> str:
    """An order field as the list's ``XOrderField`` names it (``createdAt``: CREATED_AT)."""
    if name not in fields.by_name:
        return name
    return "".join(f"_{c}" if c.isupper() else c for c in name).upper()


@node_fetcher("SavedView")
async def fetch_saved_view(info: Info, pk: int) -> SavedView:
    return SavedView.of(info, await saved_views.get_view(info.context, pk))


def _one_of(given: Any, entity: CrmEntity, what: str) -> Any:
    """The member of a per-entity input for ``entity``; BAD_USER_INPUT for another's."""
    if given is None:
        return None
    for other, key in _KEYS.items():
        value = getattr(given, key)
        if value is not None and other is not entity:
            raise BadInput(f"The view is of {_KEYS[entity]} records", field=f"{what}.{key}")
    return getattr(given, _KEYS[entity])


def _spec_changes(entity: CrmEntity, given: Any) -> dict[str, Any]:
    """The ViewSpec attributes an input or patch gives (UNSET: left out)."""
    changes: dict[str, Any] = {}
    if given.name is not strawberry.UNSET:
        changes["name"] = given.name or ""
    if given.sharing is not strawberry.UNSET:
        changes["sharing"] = given.sharing or ViewSharing.PERSONAL
    if given.filter is not strawberry.UNSET:
        key = _KEYS[entity]
        path = f"filter.{key}"
        changes["filter"] = to_filter(
            _one_of(given.filter, entity, "filter"), RECORD_FIELDS[entity], path
        )
    if given.order_by is not strawberry.UNSET:
        changes["order"] = to_order(_one_of(given.order_by, entity, "orderBy"))
    if given.search is not strawberry.UNSET:
        changes["search"] = given.search
    if given.columns is not strawberry.UNSET:
        changes["columns"] = list(given.columns or [])
    return changes


SavedViewId = Annotated[strawberry.ID, strawberry.argument(description="The view's ID.")]
NewView = Annotated[SavedViewInput, strawberry.argument(description="The view to save.")]
ViewChanges = Annotated[
    SavedViewPatch, strawberry.argument(description="What changes; the rest stays.")
]


@strawberry.type
class SavedViewQueries:
    @strawberry.field(
        description="The saved views of an entity you may see and apply: yours, your "
        f"department's and everyone's, by name (at most {saved_views.MAX_VIEWS})."
    )
    async def saved_views(
        self,
        info: Info,
        entity: Annotated[AccessEntity, strawberry.argument(description="The records' kind.")],
    ) -> list[SavedView]:
        rows = await saved_views.list_views(info.context, CrmEntity(entity.value))
        return [SavedView.of(info, row) for row in rows]


@strawberry.type
class SavedViewMutations:
    @strawberry.mutation(
        description="Saves a view, yours; its filter, order and columns are checked as the "
        "list and the export check them (BAD_USER_INPUT naming an unknown field or code)."
    )
    async def create_saved_view(self, info: Info, input: NewView) -> SavedView:
        entity = CrmEntity(input.entity.value)
        spec = ViewSpec(**{"name": "", **_spec_changes(entity, input)})
        return SavedView.of(info, await saved_views.create_view(info.context, entity, spec))

    @strawberry.mutation(
        description="Changes a view: its owner or an administrator only (FORBIDDEN for "
        "others who see it, NOT_FOUND for those who do not)."
    )
    async def update_saved_view(self, info: Info, id: SavedViewId, input: ViewChanges) -> SavedView:
        pk = decode_id(id, "SavedView")
        entity = await saved_views.entity_of(info.context, pk)
        row = await saved_views.update_view(info.context, pk, _spec_changes(entity, input))
        return SavedView.of(info, row)

    @strawberry.mutation(description="Deletes a view: its owner or an administrator only.")
    async def delete_saved_view(self, info: Info, id: SavedViewId) -> strawberry.ID:
        await saved_views.delete_view(info.context, decode_id(id, "SavedView"))
        return id
