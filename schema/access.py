"""GraphQL for access control: roles and what they grant, a record's `access`, a user's
effective permissions, and explanations of decisions."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, TypedDict

import strawberry

import schema.crm.common  # noqa: F401  (registers the GraphQL Semantics enum first)
from auth.policy import CompiledPolicy, Decision, Envelope, PermissionSummary
from models import ANY_SCOPE
from models import AccessAction as AccessActionValue
from models import AccessLevel as AccessLevelValue
from models import Role as RoleRow
from models import RuleScope as RuleScopeValue
from models.crm import CrmEntity, Semantics
from models.crm.entities import DECLARATIONS
from resolvers import departments, users
from resolvers.access import assignments, explain, grants, roles
from resolvers.errors import BadInput
from schema.access_enums import AccessAction, AccessEntity, AccessLevel, FieldRuleKind, RuleScope
from schema.context import Info
from schema.relay import (
    After,
    Before,
    Connection,
    First,
    Last,
    Node,
    decode_any_id,
    decode_id,
    encode_id,
    node_fetcher,
    page_request,
)

if TYPE_CHECKING:
    from schema.departments import Department
    from schema.users import User

UserRef = Annotated["User", strawberry.lazy("schema.users")]
DepartmentRef = Annotated["Department", strawberry.lazy("schema.departments")]

# The global-ID type of each entity's statuses.
STATUS_TYPES = {
    entity: declaration.field(declaration.status).target or ""
    for entity, declaration in DECLARATIONS.items()
    if declaration.status is not None
}
RECORD_TYPES = {
    declaration.field("id").target or "": entity for entity, declaration in DECLARATIONS.items()
}


@strawberry.type(description="Where a rule applies; the fields its scope does not use are null.")
class ScopeFields:
    scope: RuleScope = strawberry.field(description="Which records the rule covers.")
    semantics: Semantics | None = strawberry.field(
        description="For scope SEMANTICS; null otherwise."
    )
    pipeline_id: strawberry.ID | None = strawberry.field(
        description="For scope PIPELINE; null otherwise."
    )
    status_id: strawberry.ID | None = strawberry.field(
        description="A lead status or deal stage; null for a broader scope."
    )


def encode_status(entity: CrmEntity, status_id: int | None) -> strawberry.ID | None:
    if status_id is None or entity not in STATUS_TYPES:
        return None
    return encode_id(STATUS_TYPES[entity], status_id)


class ScopeArguments(TypedDict):
    scope: RuleScope
    semantics: Semantics | None
    pipeline_id: strawberry.ID | None
    status_id: strawberry.ID | None


def scope_fields(entity: CrmEntity, scope: RuleScopeValue) -> ScopeArguments:
    """The GraphQL fields of a stored scope."""
    pipeline_id = scope.pipeline_id
    return {
        "scope": RuleScope(scope.kind),
        "semantics": scope.semantics,
        "pipeline_id": encode_id("Pipeline", pipeline_id) if pipeline_id is not None else None,
        "status_id": encode_status(entity, scope.status_id),
    }


def decode_status(entity: CrmEntity, status_id: strawberry.ID | None) -> int | None:
    if status_id is None:
        return None
    if entity not in STATUS_TYPES:
        raise BadInput(f"{entity.value} has no statuses: leave statusId out", field="statusId")
    return decode_id(status_id, STATUS_TYPES[entity], "statusId")


def decode_record(node_id: strawberry.ID) -> tuple[CrmEntity, int]:
    type_name, pk = decode_any_id(node_id, "nodeId")
    if type_name not in RECORD_TYPES:
        raise BadInput("nodeId must be the ID of a lead, contact, company or deal", field="nodeId")
    return RECORD_TYPES[type_name], pk


@strawberry.type(
    description="A level granted for an action on an entity, in a scope. As a user's effective "
    "permission: per status (scope STATUS) where it differs from the level in any status (ANY)."
)
class Permission(ScopeFields):
    entity: AccessEntity = strawberry.field(description="The kind of record.")
    action: AccessAction = strawberry.field(description="What may be done.")
    level: AccessLevel = strawberry.field(description="Whose records it reaches.")

    @classmethod
    def of(
        cls,
        entity: CrmEntity,
        action: AccessActionValue,
        scope: RuleScopeValue,
        level: AccessLevelValue,
    ) -> Permission:
        return cls(
            entity=AccessEntity(entity),
            action=AccessAction(action),
            level=AccessLevel(level),
            **scope_fields(entity, scope),
        )

    @classmethod
    def summarised(cls, summary: PermissionSummary) -> Permission:
        status_id = summary.status_id
        scope = RuleScopeValue.of_status(status_id) if status_id is not None else ANY_SCOPE
        return cls.of(summary.entity, summary.action, scope, summary.level)


@strawberry.type(description="A field a role hides or keeps read-only, in a scope.")
class FieldRule(ScopeFields):
    entity: AccessEntity = strawberry.field(description="The kind of record.")
    field: str = strawberry.field(description="The GraphQL name of the field, e.g. `amount`.")
    rule: FieldRuleKind = strawberry.field(description="Hidden or read-only.")


@strawberry.type(description="A stage move a role may make.")
class StageMove:
    pipeline_id: strawberry.ID = strawberry.field(description="The pipeline of both stages.")
    from_stage_id: strawberry.ID = strawberry.field(description="The stage a deal leaves.")
    to_stage_id: strawberry.ID = strawberry.field(description="The stage it enters.")


@strawberry.type(
    description="A named set of permissions, field rules and stage transitions, held by users "
    "directly or through their departments. Admins only."
)
class Role(Node):
    name: str = strawberry.field(description="Unique among roles.")
    description: str = strawberry.field(description="Free text for admins; empty when none.")
    created_at: datetime = strawberry.field(description="When it was created.")

    @classmethod
    def of(cls, row: RoleRow) -> Role:
        return cls(pk=row.id, name=row.name, description=row.description, created_at=row.created_at)

    @strawberry.field(description="Levels by entity, action and status.")
    async def permissions(self, info: Info) -> list[Permission]:
        rows = await info.context.loader(grants.permissions_by_role_id).load(self.pk)
        return [Permission.of(row.entity, row.action, row.scope, row.level) for row in rows]

    @strawberry.field(description="Fields the role hides or keeps read-only, broadest first.")
    async def field_rules(self, info: Info) -> list[FieldRule]:
        rows = await info.context.loader(grants.field_rules_by_role_id).load(self.pk)
        return [
            FieldRule(
                entity=AccessEntity(row.entity),
                field=row.field,
                rule=FieldRuleKind(row.rule),
                **scope_fields(row.entity, row.scope),
            )
            for row in rows
        ]

    @strawberry.field(
        description="Allowed moves; a pipeline without any is unrestricted for this role."
    )
    async def stage_transitions(self, info: Info) -> list[StageMove]:
        rows = await info.context.loader(grants.transitions_by_role_id).load(self.pk)
        return [
            StageMove(
                pipeline_id=encode_id("Pipeline", row.pipeline_id),
                from_stage_id=encode_id("DealStage", row.from_stage_id),
                to_stage_id=encode_id("DealStage", row.to_stage_id),
            )
            for row in rows
        ]

    @strawberry.field(description="Users holding the role directly.")
    async def users(self, info: Info) -> list[UserRef]:
        from schema.users import User

        holders = await info.context.loader(assignments.holders_by_role_id).load(self.pk)
        ids = [row.user_id for row in holders if row.user_id is not None]
        rows = await info.context.loader(users.users_by_id).load_many(ids)
        return [User.of(row) for row in rows if row is not None]

    @strawberry.field(description="Departments holding the role, for all their members.")
    async def departments(self, info: Info) -> list[DepartmentRef]:
        from schema.departments import Department

        holders = await info.context.loader(assignments.holders_by_role_id).load(self.pk)
        ids = [row.department_id for row in holders if row.department_id is not None]
        rows = await info.context.loader(departments.departments_by_id).load_many(ids)
        return [Department.of(row) for row in rows if row is not None]


@node_fetcher("Role")
async def fetch_role(info: Info, pk: int) -> Role:
    return Role.of(await roles.get_role(info.context, pk))


@strawberry.type(description="What the viewer may do with one record, for a UI to adapt.")
class RecordAccess:
    can_update: bool = strawberry.field(description="Whether the viewer may change it.")
    can_delete: bool = strawberry.field(description="Whether the viewer may delete it.")
    hidden_fields: list[str] = strawberry.field(
        description="Fields that read as null for the viewer (GraphQL names, sorted)."
    )
    read_only_fields: list[str] = strawberry.field(
        description="Fields the viewer may not write (GraphQL names, sorted); hidden ones too."
    )

    @classmethod
    def of(cls, policy: CompiledPolicy, envelope: Envelope) -> RecordAccess:
        return cls(
            can_update=policy.allows(AccessActionValue.UPDATE, envelope),
            can_delete=policy.allows(AccessActionValue.DELETE, envelope),
            hidden_fields=sorted(policy.hidden_fields(envelope)),
            read_only_fields=sorted(policy.read_only_fields(envelope)),
        )


@strawberry.type(description="The rule that decided an access question.")
class DecidingRule:
    role: str | None = strawberry.field(description="The role's name; null for administrators.")
    level: AccessLevel = strawberry.field(description="The level that rule grants.")
    rule: str = strawberry.field(
        description='The rule in words, e.g. "DEAL READ for stages of semantics SUCCESS".'
    )


@strawberry.type(description="The answer of `explainAccess`.")
class AccessDecision:
    allowed: bool = strawberry.field(description="Whether the user may do it.")
    decided_by: DecidingRule | None = strawberry.field(
        description="Null when no role grants the action at all."
    )
    reason: str = strawberry.field(description="The decision in one sentence, for people.")

    @classmethod
    def of(cls, decision: Decision) -> AccessDecision:
        decided = decision.role is not None or decision.allowed
        return cls(
            allowed=decision.allowed,
            decided_by=DecidingRule(
                role=decision.role, level=AccessLevel(decision.level), rule=decision.rule
            )
            if decided
            else None,
            reason=decision.reason,
        )


async def user_roles(info: Info, user_pk: int) -> list[Role]:
    rows = await info.context.loader(assignments.roles_by_user_id).load(user_pk)
    return [Role.of(row) for row in rows]


async def user_permissions(info: Info, user_pk: int) -> list[Permission]:
    summary = await explain.effective_permissions(info.context, user_pk)
    return [Permission.summarised(row) for row in summary]


@strawberry.type
class AccessQueries:
    @strawberry.field(description="Admin only. Roles by name.")
    async def roles(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Role]:
        page = await roles.list_roles(info.context, page_request(first, after, last, before))
        return Connection.of(page, Role.of)

    @strawberry.field(
        description="Admin only. Whether a user may act on a lead, contact, company or deal, "
        "and which role, level and grant decided it."
    )
    async def explain_access(
        self,
        info: Info,
        user_id: Annotated[strawberry.ID, strawberry.argument(description="Who would act.")],
        node_id: Annotated[
            strawberry.ID, strawberry.argument(description="A lead, contact, company or deal.")
        ],
        action: Annotated[AccessAction, strawberry.argument(description="What they would do.")],
    ) -> AccessDecision:
        entity, pk = decode_record(node_id)
        decision = await explain.explain_access(
            info.context, decode_id(user_id, "User", "userId"), entity, pk, action.value
        )
        return AccessDecision.of(decision)
