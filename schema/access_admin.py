"""GraphQL for the administrator's changes to roles, their grants and who holds them.

Every mutation here is admin only (FORBIDDEN otherwise) and applies to the next request of
every affected user, on every process.
"""

from __future__ import annotations

import strawberry

from models import RuleScope
from models.crm import Semantics
from resolvers.access import assignments, grants, roles
from schema.access import (
    AccessAction,
    AccessEntity,
    AccessLevel,
    FieldRuleKind,
    Role,
    decode_status,
)
from schema.context import Info
from schema.patch import required
from schema.relay import decode_id, decode_optional_id


@strawberry.input
class CreateRoleInput:
    name: str
    description: str = ""


@strawberry.input
class UpdateRoleInput:
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET


@strawberry.input
class StageMoveInput:
    from_stage_id: strawberry.ID
    to_stage_id: strawberry.ID


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
    @strawberry.mutation
    async def create_role(self, info: Info, input: CreateRoleInput) -> Role:
        new = roles.NewRole(name=input.name, description=input.description)
        return Role.of(await roles.create_role(info.context, new))

    @strawberry.mutation
    async def update_role(self, info: Info, id: strawberry.ID, input: UpdateRoleInput) -> Role:
        changes = roles.RoleChanges(
            name=required(input.name, "name"),
            description=required(input.description, "description"),
        )
        return Role.of(await roles.update_role(info.context, decode_id(id, "Role"), changes))

    @strawberry.mutation(
        description="Deletes the role with its grants and assignments; its holders lose it on "
        "their next request."
    )
    async def delete_role(self, info: Info, id: strawberry.ID) -> strawberry.ID:
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
        role_id: strawberry.ID,
        entity: AccessEntity,
        action: AccessAction,
        level: AccessLevel | None,
        status_id: strawberry.ID | None = None,
        pipeline_id: strawberry.ID | None = None,
        semantics: Semantics | None = None,
    ) -> Role:
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
        role_id: strawberry.ID,
        entity: AccessEntity,
        field: str,
        rule: FieldRuleKind | None,
        status_id: strawberry.ID | None = None,
        pipeline_id: strawberry.ID | None = None,
        semantics: Semantics | None = None,
    ) -> Role:
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
        role_id: strawberry.ID,
        pipeline_id: strawberry.ID,
        transitions: list[StageMoveInput],
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
        role_id: strawberry.ID,
        user_id: strawberry.ID | None = None,
        department_id: strawberry.ID | None = None,
    ) -> Role:
        holder = _holder(user_id, department_id)
        return Role.of(await assignments.assign_role(info.context, _role_id(role_id), holder))

    @strawberry.mutation
    async def unassign_role(
        self,
        info: Info,
        role_id: strawberry.ID,
        user_id: strawberry.ID | None = None,
        department_id: strawberry.ID | None = None,
    ) -> Role:
        holder = _holder(user_id, department_id)
        return Role.of(await assignments.unassign_role(info.context, _role_id(role_id), holder))
