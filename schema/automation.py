"""GraphQL for automation rules: administrators define them; the run log says what each
did. The logic is in resolvers/automation/."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.utils.str_converters import to_snake_case

import schema.lead_forms  # noqa: F401  (describes Strategy, as LeadRouting, before its use here)
from models import AutomationRule as RuleRow
from models import AutomationRun as RunRow
from models.crm import CrmEntity, Semantics
from resolvers.automation import rules
from resolvers.automation.runner import Status
from resolvers.automation.triggers import Trigger
from resolvers.crm.fields import RECORD_FIELDS
from resolvers.crm.filtering import Filter
from resolvers.errors import BadInput
from resolvers.routing import Strategy
from schema.access_enums import AccessEntity
from schema.automation_shown import ACTION_ID_OPTIONS, shown_condition, shown_options
from schema.context import Info
from schema.crm.companies import CompanyFilter
from schema.crm.contacts import ContactFilter
from schema.crm.deals import DealFilter
from schema.crm.filters import to_filter
from schema.crm.leads import LeadFilter
from schema.enums import described_enum
from schema.relay import After, Connection, First, Node, decode_id, encode_id, page_request
from schema.users import User, load_user

RuleId = Annotated[strawberry.ID, strawberry.argument(description="The rule's ID.")]


class AutomationActionKind(enum.Enum):
    ASSIGN = "ASSIGN"
    CREATE_TASK = "CREATE_TASK"
    NOTIFY = "NOTIFY"
    SET_FIELD = "SET_FIELD"
    CALL_WEBHOOK = "CALL_WEBHOOK"
    SEND_EMAIL = "SEND_EMAIL"


class AutomationRunStatus(enum.Enum):
    DONE = Status.DONE
    FAILED = Status.FAILED
    SKIPPED_DEPTH = Status.SKIPPED_DEPTH


described_enum(
    Trigger,
    "What starts an automation rule.",
    {
        Trigger.LEAD_CREATED: "A lead was created (by a person, a web form, an import...).",
        Trigger.DEAL_STAGE_ENTERED: "A deal moved into a stage: a named one, or any stage of a "
        "semantics (every won stage, say).",
        Trigger.FIELD_CHANGED: "A field of a record changed.",
        Trigger.TASK_OVERDUE: "A task bound to a record of `entity` passed its deadline "
        "unfinished (once per deadline); the rule acts on that record (the first, if the task "
        "is bound to several).",
    },
    name="AutomationTrigger",
)
described_enum(
    AutomationActionKind,
    "What an automation rule does; a rule's actions run in order, all or none.",
    {
        AutomationActionKind.ASSIGN: "Make a department's member responsible (`strategy`, "
        "`departmentId`).",
        AutomationActionKind.CREATE_TASK: "A task bound to the record (`title`, `description`, "
        "`deadlineInHours`, `responsibleId`: null for the record's responsible).",
        AutomationActionKind.NOTIFY: "Tell the record's responsible user, or `userId` (`text`).",
        AutomationActionKind.SET_FIELD: "Give a plain field (`field`) a value (`value`).",
        AutomationActionKind.CALL_WEBHOOK: "Deliver the event to a webhook (`webhookId`), "
        "whatever kinds it subscribes to; signed and retried as its other deliveries.",
        AutomationActionKind.SEND_EMAIL: "Mail the record (a lead or contact) from a template "
        "(`templateId`), through the outbox, as the rule's owner.",
    },
)
described_enum(
    AutomationRunStatus,
    "How a rule's run on an event went.",
    {
        AutomationRunStatus.DONE: "Every action was done.",
        AutomationRunStatus.FAILED: "Nothing was done; `message` says why (its code first).",
        AutomationRunStatus.SKIPPED_DEPTH: "Not run: the event was written by a chain of rules "
        "as deep as the depth limit.",
    },
)


@strawberry.input(description="What starts the rule.")
class AutomationTriggerInput:
    kind: Trigger = strawberry.field(description="The kind of trigger.")
    entity: AccessEntity | None = strawberry.field(
        default=None, description="FIELD_CHANGED and TASK_OVERDUE: the kind of record."
    )
    stage_id: strawberry.ID | None = strawberry.field(
        default=None, description="DEAL_STAGE_ENTERED: the stage (or give `semantics`)."
    )
    semantics: Semantics | None = strawberry.field(
        default=None, description="DEAL_STAGE_ENTERED: any stage of this semantics."
    )
    field: str | None = strawberry.field(
        default=None, description="FIELD_CHANGED: the field, by its API name (`title`)."
    )


@strawberry.input(
    description="Which records the rule acts on: a filter, as the entity's list takes it, "
    "under the key of the trigger's entity. The owner must also be able to read the record."
)
class AutomationConditionInput:
    lead: LeadFilter | None = strawberry.field(default=None, description="For lead rules.")
    contact: ContactFilter | None = strawberry.field(default=None, description="For contact rules.")
    company: CompanyFilter | None = strawberry.field(default=None, description="For company rules.")
    deal: DealFilter | None = strawberry.field(default=None, description="For deal rules.")


@strawberry.input(
    description="One action; which options it takes depends on its kind "
    "(see `AutomationActionKind`). Texts may name the record's fields as `{title}`."
)
class AutomationActionInput:
    kind: AutomationActionKind = strawberry.field(description="What to do.")
    strategy: Strategy | None = strawberry.field(default=None, description="ASSIGN: how.")
    department_id: strawberry.ID | None = strawberry.field(
        default=None, description="ASSIGN: among whose own active members."
    )
    title: str | None = strawberry.field(default=None, description="CREATE_TASK: its title.")
    description: str | None = strawberry.field(
        default=None, description="CREATE_TASK: its description."
    )
    deadline_in_hours: int | None = strawberry.field(
        default=None, description="CREATE_TASK: due this many hours after the run; null: none."
    )
    responsible_id: strawberry.ID | None = strawberry.field(
        default=None, description="CREATE_TASK: for whom; null: the record's responsible."
    )
    user_id: strawberry.ID | None = strawberry.field(
        default=None, description="NOTIFY: whom; null: the record's responsible."
    )
    text: str | None = strawberry.field(default=None, description="NOTIFY: what to say.")
    field: str | None = strawberry.field(default=None, description="SET_FIELD: which field.")
    value: JSON | None = strawberry.field(
        default=None,
        description="SET_FIELD: the value (a text, a number, a boolean; decimals as strings).",
    )
    webhook_id: strawberry.ID | None = strawberry.field(
        default=None, description="CALL_WEBHOOK: which webhook."
    )
    template_id: strawberry.ID | None = strawberry.field(
        default=None, description="SEND_EMAIL: which mail template (of the rule's entity)."
    )


@strawberry.input(description="An automation rule's definition.")
class AutomationRuleInput:
    name: str = strawberry.field(description=f"Up to {rules.MAX_NAME} characters.")
    trigger: AutomationTriggerInput = strawberry.field(description="What starts it.")
    condition: AutomationConditionInput | None = strawberry.field(
        default=None, description="Which records it acts on; null: all its owner may read."
    )
    actions: list[AutomationActionInput] = strawberry.field(
        description=f"1 to {rules.MAX_ACTIONS} actions, run in order in one transaction."
    )
    owner_id: strawberry.ID | None = strawberry.field(
        default=None, description="The active user in whose rights it acts; null: you."
    )
    active: bool = strawberry.field(default=True, description="Whether it runs.")


@strawberry.type(description="What one rule did about one event.")
class AutomationRun(Node):
    status: AutomationRunStatus = strawberry.field(description="How it went.")
    message: str = strawberry.field(description="What it did, or why it failed.")
    event_seq: int = strawberry.field(description="The event's sequence number in the log.")
    created_ids: list[strawberry.ID] = strawberry.field(
        description="The records its actions created (global IDs)."
    )
    ran_at: datetime = strawberry.field(description="When.")

    @classmethod
    def of(cls, row: RunRow) -> AutomationRun:
        return cls(
            pk=row.id,
            status=AutomationRunStatus(row.status),
            message=row.message,
            event_seq=row.event_seq,
            created_ids=[encode_id(name, pk) for name, pk in row.created_records],
            ran_at=row.ran_at,
        )


@strawberry.type(
    description="An automation rule: when its trigger fires on a record matching its "
    "condition, its actions run in its owner's rights, once per event whatever the number of "
    "app processes."
)
class AutomationRule(Node):
    name: str = strawberry.field(description="As admins call it.")
    active: bool = strawberry.field(description="Whether it runs.")
    trigger: Trigger = strawberry.field(description="What starts it.")
    entity: AccessEntity = strawberry.field(description="The kind of record it acts on.")
    trigger_options: JSON = strawberry.field(
        description="The trigger's options, as `AutomationTriggerInput` takes them: `stageId`, "
        "`semantics`, `field`."
    )
    condition: JSON | None = strawberry.field(
        description="Its condition, as `AutomationConditionInput` takes it; null: none."
    )
    actions: JSON = strawberry.field(
        description="Its actions, as `AutomationActionInput` takes them (unset options left out)."
    )
    created_at: datetime = strawberry.field(description="When it was defined.")
    owner_id: strawberry.Private[int]

    @classmethod
    def of(cls, row: RuleRow) -> AutomationRule:
        return cls(
            pk=row.id,
            name=row.name,
            active=row.active,
            trigger=Trigger(row.trigger),
            entity=AccessEntity(CrmEntity(row.entity)),
            trigger_options=JSON(shown_options(row.trigger_options)),
            condition=None
            if row.condition is None
            else JSON(shown_condition(CrmEntity(row.entity), row.condition)),
            actions=JSON([shown_options(action) for action in row.actions]),
            created_at=row.created_at,
            owner_id=row.owner_id,
        )

    @strawberry.field(description="In whose rights it acts.")
    async def owner(self, info: Info) -> User | None:
        return await load_user(info, self.owner_id)


def _new_rule(input: AutomationRuleInput) -> rules.NewRule:
    trigger = input.trigger
    entity = {
        Trigger.LEAD_CREATED: CrmEntity.LEAD,
        Trigger.DEAL_STAGE_ENTERED: CrmEntity.DEAL,
    }.get(trigger.kind, trigger.entity.value if trigger.entity else None)
    return rules.NewRule(
        name=input.name,
        trigger=rules.TriggerSpec(
            kind=trigger.kind,
            entity=entity,
            stage_id=None
            if trigger.stage_id is None
            else decode_id(trigger.stage_id, "DealStage", "trigger.stageId"),
            semantics=trigger.semantics,
            field=trigger.field,
        ),
        condition=_condition(entity, input.condition),
        actions=[_action(action, i) for i, action in enumerate(input.actions)],
        owner_id=None if input.owner_id is None else decode_id(input.owner_id, "User", "ownerId"),
        active=input.active,
    )


def _condition(entity: CrmEntity | None, given: AutomationConditionInput | None) -> Filter | None:
    if given is None:
        return None
    for key in ("lead", "contact", "company", "deal"):
        value = getattr(given, key)
        if value is None:
            continue
        if entity is None or key != entity.value.lower():
            raise BadInput("The condition is not on the trigger's entity", field=f"condition.{key}")
        return to_filter(value, RECORD_FIELDS[entity], f"condition.{key}")
    return None


def _action(action: AutomationActionInput, i: int) -> rules.ActionSpec:
    path = f"actions.{i}"
    options: dict[str, Any] = {
        "strategy": action.strategy.value if action.strategy else None,
        "title": action.title,
        "description": action.description,
        "deadlineInHours": action.deadline_in_hours,
        "text": action.text,
        "field": action.field,
        "value": action.value,
    }
    for key, type_name in ACTION_ID_OPTIONS.items():
        global_id = getattr(action, to_snake_case(key))
        options[key] = (
            None if global_id is None else decode_id(global_id, type_name, f"{path}.{key}")
        )
    return rules.ActionSpec(kind=action.kind.value, options=options)


@strawberry.type
class AutomationQueries:
    @strawberry.field(description="Admin only: the automation rules, oldest first.")
    async def automation_rules(self, info: Info) -> list[AutomationRule]:
        return [AutomationRule.of(row) for row in await rules.list_rules(info.context)]

    @strawberry.field(description="Admin only: a rule's run log, newest first.")
    async def automation_runs(
        self, info: Info, rule_id: RuleId, first: First = None, after: After = None
    ) -> Connection[AutomationRun]:
        page = await rules.list_runs(
            info.context,
            decode_id(rule_id, "AutomationRule", "ruleId"),
            page_request(first, after, None, None),
        )
        return Connection.of(page, AutomationRun.of)


@strawberry.type
class AutomationMutations:
    @strawberry.mutation(
        description="Admin only: defines an automation rule. It acts on events written from now on."
    )
    async def create_automation_rule(
        self,
        info: Info,
        input: Annotated[AutomationRuleInput, strawberry.argument(description="The rule.")],
    ) -> AutomationRule:
        row = await rules.create_rule(info.context, _new_rule(input))
        return AutomationRule.of(row)

    @strawberry.mutation(
        description="Admin only: redefines a rule; its run log stays, and it acts as "
        "redefined on events written from now on."
    )
    async def update_automation_rule(
        self,
        info: Info,
        id: RuleId,
        input: Annotated[AutomationRuleInput, strawberry.argument(description="The rule.")],
    ) -> AutomationRule:
        rule_id = decode_id(id, "AutomationRule")
        return AutomationRule.of(await rules.update_rule(info.context, rule_id, _new_rule(input)))

    @strawberry.mutation(
        description="Admin only: switches a rule off, or on again (then it does not act on "
        "what happened while it was off)."
    )
    async def set_automation_rule_active(
        self,
        info: Info,
        id: RuleId,
        active: Annotated[bool, strawberry.argument(description="Whether it runs.")],
    ) -> AutomationRule:
        rule_id = decode_id(id, "AutomationRule")
        return AutomationRule.of(await rules.set_rule_active(info.context, rule_id, active))

    @strawberry.mutation(
        description="Admin only: deletes a rule and its run log; what it made stays."
    )
    async def delete_automation_rule(self, info: Info, id: RuleId) -> strawberry.ID:
        await rules.delete_rule(info.context, decode_id(id, "AutomationRule"))
        return id
