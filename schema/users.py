"""GraphQL for users: the type, the directory query and the admin's mutations."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from models import User as UserRow
from resolvers import users
from resolvers.users import MAX_NAME
from resolvers.validation import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from schema.context import Info
from schema.enums import described_enum
from schema.patch import CHANGES, id_or_null, required
from schema.relay import (
    ORDER_BY,
    After,
    Before,
    Connection,
    First,
    Last,
    Node,
    OrderDirection,
    decode_id,
    decode_optional_id,
    matching,
    node_fetcher,
    page_request,
)

if TYPE_CHECKING:
    from schema.access import Permission, Role
    from schema.departments import Department

DepartmentRef = Annotated["Department", strawberry.lazy("schema.departments")]
RoleRef = Annotated["Role", strawberry.lazy("schema.access")]
PermissionRef = Annotated["Permission", strawberry.lazy("schema.access")]


@strawberry.type(description="A person who logs in: an employee of the company.")
class User(Node):
    email: str = strawberry.field(description="The login; unique, stored in lower case.")
    name: str = strawberry.field(description="The full name, as shown to colleagues.")
    position: str = strawberry.field(description="Job title; empty when not set.")
    is_admin: bool = strawberry.field(
        description="Administrators manage users, departments and roles and see every record."
    )
    active: bool = strawberry.field(
        description="False once deactivated: the user can no longer log in, and stays listed "
        "as the author or responsible of what they did."
    )
    created_at: datetime = strawberry.field(description="When the account was created.")
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

    @strawberry.field(description="The department the user belongs to; null for none.")
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


class UserOrderField(enum.Enum):
    NAME = users.UserOrderField.NAME
    EMAIL = users.UserOrderField.EMAIL
    CREATED_AT = users.UserOrderField.CREATED_AT


described_enum(
    UserOrderField,
    "What `users` can be ordered by; ties are broken by creation order.",
    {
        UserOrderField.NAME: "The full name, alphabetically.",
        UserOrderField.EMAIL: "The e-mail address, alphabetically.",
        UserOrderField.CREATED_AT: "When the account was created.",
    },
)


@strawberry.input(description="One key of the order of `users`.")
class UserOrder:
    field: UserOrderField = strawberry.field(description="What to sort by.")
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.ASC, description="Ascending unless given."
    )


@strawberry.input(description="Conditions on users; all given must hold.")
class UserFilter:
    search: str | None = strawberry.field(
        default=None, description="Part of the name or e-mail, case-insensitive."
    )
    department_id: strawberry.ID | None = strawberry.field(
        default=None, description="Members of this department (not of its subdepartments)."
    )
    active: bool | None = strawberry.field(
        default=None, description="True: active users only; false: deactivated ones only."
    )


PASSWORD_RULE = f"{MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters"


@strawberry.input(description="A new user account.")
class CreateUserInput:
    email: str = strawberry.field(description="The login; must not belong to another user.")
    name: str = strawberry.field(description=f"The full name, up to {MAX_NAME} characters.")
    password: str = strawberry.field(description=f"The first password: {PASSWORD_RULE}.")
    position: str = strawberry.field(
        default="", description=f"Job title, up to {MAX_NAME} characters."
    )
    department_id: strawberry.ID | None = strawberry.field(
        default=None, description="The department to put the user in; none when null."
    )
    is_admin: bool = strawberry.field(default=False, description="Make the user an admin.")


@strawberry.input(description="Changes to a user: fields left out stay as they are.")
class UpdateUserInput:
    email: str | None = strawberry.field(
        default=strawberry.UNSET, description="A new login, not used by another user."
    )
    name: str | None = strawberry.field(default=strawberry.UNSET, description="The full name.")
    position: str | None = strawberry.field(default=strawberry.UNSET, description="Job title.")
    department_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Admin only. Another department; null takes the user out of any.",
    )
    is_admin: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Admin only; not for oneself."
    )
    active: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Admin only; false is the same as deactivateUser, true lets the user "
        "log in again.",
    )
    password: str | None = strawberry.field(
        default=strawberry.UNSET, description=f"A new password: {PASSWORD_RULE}."
    )
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

    @strawberry.field(description="The company's users, active and not; by name unless ordered.")
    async def users(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[UserFilter | None, matching("users")] = None,
        order_by: Annotated[list[UserOrder] | None, ORDER_BY] = None,
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


UserIdArgument = Annotated[strawberry.ID, strawberry.argument(description="The user's ID.")]
NewUserArgument = Annotated[CreateUserInput, strawberry.argument(description="The account.")]
UserChangesArgument = Annotated[UpdateUserInput, CHANGES]


@strawberry.type
class UserMutations:
    @strawberry.mutation(description="Admin only. CONFLICT when the e-mail is taken.")
    async def create_user(self, info: Info, input: NewUserArgument) -> User:
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
    async def update_user(self, info: Info, id: UserIdArgument, input: UserChangesArgument) -> User:
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
    async def deactivate_user(self, info: Info, id: UserIdArgument) -> User:
        return User.of(await users.deactivate_user(info.context, decode_id(id, "User")))
