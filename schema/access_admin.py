"""GraphQL for the administrator's changes to roles, their grants and who holds them.

Every mutation here is admin only (FORBIDDEN otherwise) and applies to the next request of
every affected user, on every process.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from models import RuleScope
from models.crm import Semantics
from resolvers.access import assignments, grants, roles
from schema.access import Role, decode_status
from schema.access_enums import AccessAction, AccessEntity, AccessLevel, FieldRuleKind
from schema.context import Info
from schema.patch import CHANGES, given, required
from schema.relay import decode_id, decode_optional_id


@strawberry.input(description="A new role, granting nothing until permissions are set.")
class CreateRoleInput:
    name: str = strawberry.field(
        description=f"Unique among roles, up to {roles.MAX_NAME} characters."
    )
    description: str = strawberry.field(
        default="", description=f"Free text for admins, up to {roles.MAX_DESCRIPTION} characters."
    )


@strawberry.input(description="Changes to a role: fields left out stay as they are.")
class UpdateRoleInput:
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="A new name, unique among roles."
    )
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="A new description."
    )


@strawberry.input(description="A stage move a role may make.")
class StageMoveInput:
    from_stage_id: strawberry.ID = strawberry.field(
        description="The stage a deal leaves, of the pipeline named."
    )
    to_stage_id: strawberry.ID = strawberry.field(
        description="The stage it enters, of the same pipeline."
    )


RoleId = Annotated[strawberry.ID, strawberry.argument(description="The role's ID.")]
RuleEntity = Annotated[
    AccessEntity, strawberry.argument(description="The kind of record the rule is about.")
]
# The scope of a rule: at most one of the three; none is scope ANY.
StatusScope = Annotated[
    strawberry.ID | None,
    strawberry.argument(description="Scope STATUS: this lead status or deal stage."),
]
PipelineScope = Annotated[
    strawberry.ID | None,
    strawberry.argument(description="Scope PIPELINE (deals only): every stage of this pipeline."),
]
SemanticsScope = Annotated[
    Semantics | None,
    strawberry.argument(
        description="Scope SEMANTICS: every status or stage of this semantics, in every pipeline."
    ),
]
HolderUser = Annotated[
    strawberry.ID | None, strawberry.argument(description="The user holding the role.")
]
HolderDepartment = Annotated[
    strawberry.ID | None,
    strawberry.argument(description="The department holding the role, for its whole subtree."),
]


def _role_id(role_id: strawberry.ID) -> int:
    return decode_id(role_id, "Role", "roleId")


def _scope(
    entity: AccessEntity,
    semantics: Semantics | None,
    pipeline_id: strawberry.ID | None,
    status_id: strawberry.ID | None,
) -> RuleScope:
    return grants.rule_scope(
        semantics,
        decode_optional_id(pipeline_id, "Pipeline", "pipelineId"),
        decode_status(entity.value, status_id),
    )


def _holder(
    user_id: strawberry.ID | None, department_id: strawberry.ID | None
) -> assignments.Holder:
    return assignments.Holder(
        user_id=decode_optional_id(user_id, "User", "userId"),
        department_id=decode_optional_id(department_id, "Department", "departmentId"),
    )


@strawberry.type
class AccessMutations:
    @strawberry.mutation(description="Creates a role; CONFLICT when the name is taken.")
    async def create_role(
        self,
        info: Info,
        input: Annotated[CreateRoleInput, strawberry.argument(description="The role.")],
    ) -> Role:
        new = roles.NewRole(name=input.name, description=input.description)
        return Role.of(await roles.create_role(info.context, new))

    @strawberry.mutation(description="Renames a role or changes its description.")
    async def update_role(
        self,
        info: Info,
        id: RoleId,
        input: Annotated[UpdateRoleInput, CHANGES],
    ) -> Role:
        changes = roles.RoleChanges(
            name=required(input.name, "name"),
            description=required(input.description, "description"),
        )
        return Role.of(await roles.update_role(info.context, decode_id(id, "Role"), changes))

    @strawberry.mutation(
        description="Deletes the role with its grants and assignments; its holders lose it on "
        "their next request."
    )
    async def delete_role(self, info: Info, id: RoleId) -> strawberry.ID:
        await roles.delete_role(info.context, decode_id(id, "Role"))
        return id

    @strawberry.mutation(
        description="Sets the level a role grants in a scope: one status (statusId), the stages "
        "of a pipeline (pipelineId), the statuses or stages of a semantics in every pipeline, "
        "later ones included (semantics), or, with none of the three, any status. A role's most "
        "specific rule wins: status > pipeline > semantics > any. A null level removes the rule."
    )
    async def set_role_permission(
        self,
        info: Info,
        role_id: RoleId,
        entity: RuleEntity,
        action: Annotated[AccessAction, strawberry.argument(description="What it grants.")],
        level: Annotated[
            AccessLevel | None,
            strawberry.argument(
                description="Whose records it reaches; null removes the rule. Required."
            ),
        ] = strawberry.UNSET,
        status_id: StatusScope = None,
        pipeline_id: PipelineScope = None,
        semantics: SemanticsScope = None,
    ) -> Role:
        level = given(level, "level")
        change = grants.PermissionChange(
            entity=entity.value,
            action=action.value,
            scope=_scope(entity, semantics, pipeline_id, status_id),
            level=level.value if level is not None else None,
        )
        return Role.of(await grants.set_role_permission(info.context, _role_id(role_id), change))

    @strawberry.mutation(
        description="Hides a field or makes it read-only for a role, in a scope as for "
        "setRolePermission; a null rule clears it. A field is hidden only if every role "
        "granting READ on the record hides it."
    )
    async def set_field_rule(
        self,
        info: Info,
        role_id: RoleId,
        entity: RuleEntity,
        field: Annotated[
            str,
            strawberry.argument(description="The GraphQL name of a field of the entity's type."),
        ],
        rule: Annotated[
            FieldRuleKind | None,
            strawberry.argument(description="Hidden or read-only; null clears the rule. Required."),
        ] = strawberry.UNSET,
        status_id: StatusScope = None,
        pipeline_id: PipelineScope = None,
        semantics: SemanticsScope = None,
    ) -> Role:
        rule = given(rule, "rule")
        change = grants.FieldRuleChange(
            entity=entity.value,
            field=field,
            scope=_scope(entity, semantics, pipeline_id, status_id),
            rule=rule.value if rule is not None else None,
        )
        return Role.of(await grants.set_field_rule(info.context, _role_id(role_id), change))

    @strawberry.mutation(
        description="Replaces the moves a role may make in a pipeline. An empty list lifts the "
        "restriction: a role without moves for a pipeline may make any move in it."
    )
    async def set_stage_transitions(
        self,
        info: Info,
        role_id: RoleId,
        pipeline_id: Annotated[strawberry.ID, strawberry.argument(description="The pipeline.")],
        transitions: Annotated[
            list[StageMoveInput],
            strawberry.argument(description="Every move allowed in it; [] allows any."),
        ],
    ) -> Role:
        moves = [
            (
                decode_id(move.from_stage_id, "DealStage", "transitions"),
                decode_id(move.to_stage_id, "DealStage", "transitions"),
            )
            for move in transitions
        ]
        role = await grants.set_stage_transitions(
            info.context,
            _role_id(role_id),
            decode_id(pipeline_id, "Pipeline", "pipelineId"),
            moves,
        )
        return Role.of(role)

    @strawberry.mutation(
        description="Gives a role to a user, or to a department (all its members and its "
        "sub-departments'); exactly one of userId and departmentId."
    )
    async def assign_role(
        self,
        info: Info,
        role_id: RoleId,
        user_id: HolderUser = None,
        department_id: HolderDepartment = None,
    ) -> Role:
        holder = _holder(user_id, department_id)
        return Role.of(await assignments.assign_role(info.context, _role_id(role_id), holder))

    @strawberry.mutation(
        description="Takes a role from a user or a department (exactly one of userId and "
        "departmentId); taking one not held is no error. A user keeps a role their department "
        "holds."
    )
    async def unassign_role(
        self,
        info: Info,
        role_id: RoleId,
        user_id: HolderUser = None,
        department_id: HolderDepartment = None,
    ) -> Role:
        holder = _holder(user_id, department_id)
        return Role.of(await assignments.unassign_role(info.context, _role_id(role_id), holder))
