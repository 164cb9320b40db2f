"""GraphQL for the company structure: departments in a tree, each with a head."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from models import Department as DepartmentRow
from resolvers import departments
from schema.context import Info
from schema.patch import id_or_null, required
from schema.relay import Connection, Node, decode_id, decode_optional_id, node_fetcher, page_request

if TYPE_CHECKING:
    from schema.users import User

UserRef = Annotated["User", strawberry.lazy("schema.users")]


@strawberry.type
class Department(Node):
    name: str
    created_at: datetime
    parent_pk: strawberry.Private[int | None]
    head_pk: strawberry.Private[int | None]

    @classmethod
    def of(cls, row: DepartmentRow) -> Department:
        return cls(
            pk=row.id,
            name=row.name,
            created_at=row.created_at,
            parent_pk=row.parent_id,
            head_pk=row.head_id,
        )

    @strawberry.field
    async def parent(self, info: Info) -> Department | None:
        if self.parent_pk is None:
            return None
        row = await load_department(info, self.parent_pk)
        return Department.of(row) if row else None

    @strawberry.field
    async def head(self, info: Info) -> UserRef | None:
        from schema.users import load_user

        return None if self.head_pk is None else await load_user(info, self.head_pk)

    @strawberry.field(description="Direct sub-departments, by name.")
    async def children(self, info: Info) -> list[Department]:
        rows = await info.context.loader(departments.children_by_parent_id).load(self.pk)
        return [Department.of(row) for row in rows]

    @strawberry.field(description="The users of this department (not of sub-departments).")
    async def members(self, info: Info) -> list[UserRef]:
        from schema.users import User

        rows = await info.context.loader(departments.members_by_department_id).load(self.pk)
        return [User.of(row) for row in rows]


async def load_department(info: Info, pk: int) -> DepartmentRow | None:
    return await info.context.loader(departments.departments_by_id).load(pk)


@node_fetcher("Department")
async def fetch_department(info: Info, pk: int) -> Department:
    return Department.of(await departments.get_department(info.context, pk))


@strawberry.input
class DepartmentFilter:
    search: str | None = None
    parent_id: strawberry.ID | None = None
    roots_only: bool = False


@strawberry.input
class CreateDepartmentInput:
    name: str
    parent_id: strawberry.ID | None = None
    head_id: strawberry.ID | None = None


@strawberry.input
class UpdateDepartmentInput:
    name: str | None = strawberry.UNSET
    parent_id: strawberry.ID | None = strawberry.UNSET
    head_id: strawberry.ID | None = strawberry.UNSET


@strawberry.type
class DepartmentQueries:
    @strawberry.field(description="Departments by name; `rootsOnly` for the top of the tree.")
    async def departments(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: DepartmentFilter | None = None,
    ) -> Connection[Department]:
        filter = filter or DepartmentFilter()
        page = await departments.list_departments(
            info.context,
            departments.DepartmentFilter(
                search=filter.search,
                parent_id=decode_optional_id(filter.parent_id, "Department", "parentId"),
                roots_only=filter.roots_only,
            ),
            page_request(first, after, last, before),
        )
        return Connection.of(page, Department.of)


@strawberry.type
class DepartmentMutations:
    @strawberry.mutation(description="Admin only.")
    async def create_department(self, info: Info, input: CreateDepartmentInput) -> Department:
        row = await departments.create_department(
            info.context,
            departments.NewDepartment(
                name=input.name,
                parent_id=decode_optional_id(input.parent_id, "Department", "parentId"),
                head_id=decode_optional_id(input.head_id, "User", "headId"),
            ),
        )
        return Department.of(row)

    @strawberry.mutation(description="Admin only. Moving a department moves its subtree.")
    async def update_department(
        self, info: Info, id: strawberry.ID, input: UpdateDepartmentInput
    ) -> Department:
        changes = departments.DepartmentChanges(
            name=required(input.name, "name"),
            parent_id=id_or_null(input.parent_id, "Department", "parentId"),
            head_id=id_or_null(input.head_id, "User", "headId"),
        )
        row = await departments.update_department(
            info.context, decode_id(id, "Department"), changes
        )
        return Department.of(row)

    @strawberry.mutation(description="Admin only; refused while it has members or children.")
    async def delete_department(self, info: Info, id: strawberry.ID) -> strawberry.ID:
        await departments.delete_department(info.context, decode_id(id, "Department"))
        return id
