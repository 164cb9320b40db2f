"""GraphQL for the company structure: departments in a tree, each with a head."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from models import Department as DepartmentRow
from resolvers import departments
from resolvers.departments import MAX_NAME
from schema.context import Info
from schema.patch import CHANGES, id_or_null, required
from schema.relay import (
    After,
    Before,
    Connection,
    First,
    Last,
    Node,
    decode_id,
    decode_optional_id,
    matching,
    node_fetcher,
    page_request,
)

if TYPE_CHECKING:
    from schema.users import User

UserRef = Annotated["User", strawberry.lazy("schema.users")]


@strawberry.type(
    description="A unit of the company's tree. Access levels DEPARTMENT and SUBDEPARTMENTS "
    "reach the records of its members (and of the members below it)."
)
class Department(Node):
    name: str = strawberry.field(description="The department's name.")
    created_at: datetime = strawberry.field(description="When it was created.")
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

    @strawberry.field(description="The department above; null at the top of the tree.")
    async def parent(self, info: Info) -> Department | None:
        if self.parent_pk is None:
            return None
        row = await load_department(info, self.parent_pk)
        return Department.of(row) if row else None

    @strawberry.field(description="Who leads it; null when nobody is named.")
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


@strawberry.input(description="Conditions on departments; all given must hold.")
class DepartmentFilter:
    search: str | None = strawberry.field(
        default=None, description="Part of the name, case-insensitive."
    )
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="The direct sub-departments of this department."
    )
    roots_only: bool = strawberry.field(
        default=False, description="Only the departments with no parent."
    )


@strawberry.input(description="A new department.")
class CreateDepartmentInput:
    name: str = strawberry.field(description=f"Its name, up to {MAX_NAME} characters.")
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="The department to put it under; null for a top one."
    )
    head_id: strawberry.ID | None = strawberry.field(
        default=None, description="The user who leads it; null for nobody."
    )


@strawberry.input(description="Changes to a department: fields left out stay as they are.")
class UpdateDepartmentInput:
    name: str | None = strawberry.field(default=strawberry.UNSET, description="A new name.")
    parent_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Move it (with its subtree) under this department, never below itself; "
        "null makes it a top one.",
    )
    head_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Another head; null for nobody."
    )


DepartmentIdArgument = Annotated[
    strawberry.ID, strawberry.argument(description="The department's ID.")
]


@strawberry.type
class DepartmentQueries:
    @strawberry.field(description="Departments by name; `rootsOnly` for the top of the tree.")
    async def departments(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[DepartmentFilter | None, matching("departments")] = None,
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
    async def create_department(
        self,
        info: Info,
        input: Annotated[
            CreateDepartmentInput, strawberry.argument(description="The new department.")
        ],
    ) -> Department:
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
        self,
        info: Info,
        id: DepartmentIdArgument,
        input: Annotated[UpdateDepartmentInput, CHANGES],
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

    @strawberry.mutation(
        description="Admin only; CONFLICT while it has members or children. Answers the "
        "deleted department's ID."
    )
    async def delete_department(self, info: Info, id: DepartmentIdArgument) -> strawberry.ID:
        await departments.delete_department(info.context, decode_id(id, "Department"))
        return id
