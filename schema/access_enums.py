"""The GraphQL enums of access control: entities, actions, levels, field rules and rule
scopes, each over the model's enum of the same meaning."""

from __future__ import annotations

import enum

from models import AccessAction as AccessActionValue
from models import AccessLevel as AccessLevelValue
from models import FieldRuleKind as FieldRuleKindValue
from models import ScopeKind
from models.crm import CrmEntity
from schema.enums import described_enum


class AccessEntity(enum.Enum):
    LEAD = CrmEntity.LEAD
    CONTACT = CrmEntity.CONTACT
    COMPANY = CrmEntity.COMPANY
    DEAL = CrmEntity.DEAL


described_enum(
    AccessEntity,
    "The CRM records access rules apply to.",
    {
        AccessEntity.LEAD: "Leads; their rules may be scoped by lead status or semantics.",
        AccessEntity.CONTACT: "Contacts; their rules take the ANY scope only.",
        AccessEntity.COMPANY: "Companies; their rules take the ANY scope only.",
        AccessEntity.DEAL: "Deals; their rules may be scoped by stage, pipeline or semantics.",
    },
)


class AccessAction(enum.Enum):
    READ = AccessActionValue.READ
    CREATE = AccessActionValue.CREATE
    UPDATE = AccessActionValue.UPDATE
    DELETE = AccessActionValue.DELETE
    EXPORT = AccessActionValue.EXPORT
    IMPORT = AccessActionValue.IMPORT


described_enum(
    AccessAction,
    "What a permission grants.",
    {
        AccessAction.READ: "See the record: lists, `node`, nested references, search, "
        "duplicates, its timeline and its events.",
        AccessAction.CREATE: "Create records (in the status or stage they start in).",
        AccessAction.UPDATE: "Change the record, move a deal, convert a lead.",
        AccessAction.DELETE: "Delete the record.",
        AccessAction.EXPORT: "Export records to a file (`exportDeals` and the like): a record "
        "is exported when READ and EXPORT both reach it.",
        AccessAction.IMPORT: "Reserved for import: granted and listed, checked by no "
        "operation yet.",
    },
    name="Action",
)


class AccessLevel(enum.Enum):
    NONE = AccessLevelValue.NONE
    OWN = AccessLevelValue.OWN
    DEPARTMENT = AccessLevelValue.DEPARTMENT
    SUBDEPARTMENTS = AccessLevelValue.SUBDEPARTMENTS
    OPEN = AccessLevelValue.OPEN
    ALL = AccessLevelValue.ALL


described_enum(
    AccessLevel,
    "Whose records an action reaches; each level includes the ones before it. A viewer "
    "without a department gets OWN from DEPARTMENT and SUBDEPARTMENTS.",
    {
        AccessLevel.NONE: "No record.",
        AccessLevel.OWN: "Records the viewer is responsible for.",
        AccessLevel.DEPARTMENT: "… and those whose responsible is in the viewer's department.",
        AccessLevel.SUBDEPARTMENTS: "… or in a department below it.",
        AccessLevel.OPEN: "… and records marked `opened`.",
        AccessLevel.ALL: "Every record, those without a responsible included.",
    },
)


class FieldRuleKind(enum.Enum):
    HIDDEN = FieldRuleKindValue.HIDDEN
    READ_ONLY = FieldRuleKindValue.READ_ONLY


described_enum(
    FieldRuleKind,
    "What a field rule does to a field.",
    {
        FieldRuleKind.HIDDEN: "The field reads as null (and is left out of events) for the "
        "role's holders, unless another role granting READ shows it; writing it is FORBIDDEN.",
        FieldRuleKind.READ_ONLY: "The field shows but writing it is FORBIDDEN, unless another "
        "role granting UPDATE leaves it writable.",
    },
)


class RuleScope(enum.Enum):
    ANY = ScopeKind.ANY
    SEMANTICS = ScopeKind.SEMANTICS
    PIPELINE = ScopeKind.PIPELINE
    STATUS = ScopeKind.STATUS


described_enum(
    RuleScope,
    "Which records of an entity a rule covers; for a record, a role's most specific rule "
    "wins, in both directions: STATUS > PIPELINE > SEMANTICS > ANY.",
    {
        RuleScope.ANY: "Every record of the entity.",
        RuleScope.SEMANTICS: "Records in any lead status or deal stage of one semantics, in "
        "every pipeline, statuses created later included.",
        RuleScope.PIPELINE: "Deals in any stage of one pipeline, stages created later included.",
        RuleScope.STATUS: "Records in one lead status or deal stage.",
    },
)
