"""GraphQL for users: the type, the directory query and the admin's mutations."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from models import User as UserRow
from resolvers import users
from schema.context import Info
from schema.patch import id_or_null, required
from schema.relay import (
    Connection,
    Node,
    OrderDirection,
    decode_id,
    decode_optional_id,
    node_fetcher,
    page_request,
)

if TYPE_CHECKING:
    from schema.access import Permission, Role
    from schema.departments import Department

DepartmentRef = Annotated["Department", strawberry.lazy("schema.departments")]
RoleRef = Annotated["Role", strawberry.lazy("schema.access")]
PermissionRef = Annotated["Permission", strawberry.lazy("schema.access")]


@strawberry.type
class User(Node):
    email: str
    name: str
    position: str
    is_admin: bool
    active: bool
    created_at: datetime
    department_pk: strawberry.Private[int | None]

    @classmethod
    def of(cls, row: UserRow) -> User:
        return cls(
            pk=row.id,
            email=row.email,
            name=row.name,
            position=row.position,
            is_admin=row.is_admin,
            active=row.active,
            created_at=row.created_at,
            department_pk=row.department_id,
        )

    @strawberry.field
    async def department(self, info: Info) -> DepartmentRef | None:
        from schema.departments import Department, load_department

        if self.department_pk is None:
            return None
        row = await load_department(info, self.department_pk)
        return Department.of(row) if row else None

    @strawberry.field(description="Roles held directly or through the user's departments.")
    async def roles(self, info: Info) -> list[RoleRef]:
        from schema.access import user_roles

        return await user_roles(info, self.pk)

    @strawberry.field(
        description="Effective levels: for the viewer themselves, or anyone for an admin."
    )
    async def permissions(self, info: Info) -> list[PermissionRef]:
        from schema.access import user_permissions

        return await user_permissions(info, self.pk)


@node_fetcher("User")
async def fetch_user(info: Info, pk: int) -> User:
    return User.of(await users.get_user(info.context, pk))


async def load_user(info: Info, pk: int) -> User | None:
    row = await info.context.loader(users.users_by_id).load(pk)
    return User.of(row) if row else None


@strawberry.enum
class UserOrderField(enum.Enum):
    NAME = users.UserOrderField.NAME
    EMAIL = users.UserOrderField.EMAIL
    CREATED_AT = users.UserOrderField.CREATED_AT


@strawberry.input
class UserOrder:
    field: UserOrderField
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input
class UserFilter:
    search: str | None = strawberry.field(
        default=None, description="Part of the name or e-mail, case-insensitive."
    )
    department_id: strawberry.ID | None = None
    active: bool | None = None


@strawberry.input
class CreateUserInput:
    email: str
    name: str
    password: str
    position: str = ""
    department_id: strawberry.ID | None = None
    is_admin: bool = False


@strawberry.input
class UpdateUserInput:
    email: str | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    position: str | None = strawberry.UNSET
    department_id: strawberry.ID | None = strawberry.UNSET
    is_admin: bool | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET
    password: str | None = strawberry.UNSET
    current_password: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Required to change one's own password; a wrong one counts as a failed "
        "login. Not needed by an admin setting another user's password.",
    )


@strawberry.type
class UserQueries:
    @strawberry.field(description="The logged-in user.")
    async def viewer(self, info: Info) -> User:
        viewer = info.context.require_viewer()
        return User.of(await users.get_user(info.context, viewer.user_id))

    @strawberry.field(description="The company's users.")
    async def users(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: UserFilter | None = None,
        order_by: list[UserOrder] | None = None,
    ) -> Connection[User]:
        filter = filter or UserFilter()
        page = await users.list_users(
            info.context,
            users.UserFilter(
                search=filter.search,
                department_id=decode_optional_id(
                    filter.department_id, "Department", "departmentId"
                ),
                active=filter.active,
            ),
            [
                (order.field.value, order.direction is OrderDirection.DESC)
                for order in order_by or []
            ]
            or [(users.UserOrderField.NAME, False)],
            page_request(first, after, last, before),
        )
        return Connection.of(page, User.of)


@strawberry.type
class UserMutations:
    @strawberry.mutation(description="Admin only.")
    async def create_user(self, info: Info, input: CreateUserInput) -> User:
        row = await users.create_user(
            info.context,
            users.NewUser(
                email=input.email,
                name=input.name,
                password=input.password,
                position=input.position,
                department_id=decode_optional_id(input.department_id, "Department", "departmentId"),
                is_admin=input.is_admin,
            ),
        )
        return User.of(row)

    @strawberry.mutation(
        description="Admins change anyone; a user may change their own name, position, "
        "e-mail and password (with `currentPassword`). A new password ends the user's other "
        "sessions."
    )
    async def update_user(self, info: Info, id: strawberry.ID, input: UpdateUserInput) -> User:
        changes = users.UserChanges(
            email=required(input.email, "email"),
            name=required(input.name, "name"),
            position=required(input.position, "position"),
            department_id=id_or_null(input.department_id, "Department", "departmentId"),
            is_admin=required(input.is_admin, "isAdmin"),
            active=required(input.active, "active"),
            password=required(input.password, "password"),
            current_password=required(input.current_password, "currentPassword"),
        )
        return User.of(await users.update_user(info.context, decode_id(id, "User"), changes))

    @strawberry.mutation(description="Admin only. The user's tokens stop working at once.")
    async def deactivate_user(self, info: Info, id: strawberry.ID) -> User:
        return User.of(await users.deactivate_user(info.context, decode_id(id, "User")))
