"""SQLAlchemy 2.0 typed ORM models, one module per aggregate."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import models.crm  # noqa: F401  (registers the CRM tables on Base.metadata)
from models.access import (
    POLICY_EPOCH_ID,
    AccessAction,
    AccessLevel,
    FieldRule,
    FieldRuleKind,
    PolicyEpoch,
    Role,
    RoleAssignment,
    RolePermission,
    StageTransition,
)
from models.api_keys import API_KEY_MARK, NEVER, ApiKey
from models.attachments import Attachment, OwnerKind
from models.automation import AutomationCursor, AutomationRule, AutomationRun
from models.base import BACKGROUND, BACKGROUND_OPTION, Base, utcnow
from models.comments import Comment
from models.events import Event
from models.identity import Department, User
from models.imports import ImportFileChunk, ImportJob, ImportRowResult
from models.lead_forms import LeadForm, LeadFormSubmission
from models.mail import Mailing, MailPreference, MailTemplate, OutboxMessage, Unsubscribe
from models.notifications import Notification
from models.persisted_queries import PersistedQuery
from models.posts import Post, PostLike, PostRecipient
from models.rule_scope import ANY_SCOPE, RuleScope, ScopeKind
from models.sessions import ANY_EMAIL, AuthToken, LoginThrottle
from models.tasks import ChecklistItem, Task, TaskCrmLink, TaskMember, TaskTag
from models.webhooks import Webhook, WebhookDelivery

SessionFactory = async_sessionmaker[AsyncSession]

__all__ = [
    "ANY_EMAIL",
    "ANY_SCOPE",
    "API_KEY_MARK",
    "BACKGROUND",
    "BACKGROUND_OPTION",
    "NEVER",
    "POLICY_EPOCH_ID",
    "AccessAction",
    "AccessLevel",
    "ApiKey",
    "Attachment",
    "AuthToken",
    "AutomationCursor",
    "AutomationRule",
    "AutomationRun",
    "Base",
    "ChecklistItem",
    "Comment",
    "Department",
    "Event",
    "FieldRule",
    "FieldRuleKind",
    "ImportFileChunk",
    "ImportJob",
    "ImportRowResult",
    "LeadForm",
    "LeadFormSubmission",
    "LoginThrottle",
    "MailPreference",
    "MailTemplate",
    "Mailing",
    "Notification",
    "OutboxMessage",
    "OwnerKind",
    "PersistedQuery",
    "PolicyEpoch",
    "Post",
    "PostLike",
    "PostRecipient",
    "Role",
    "RoleAssignment",
    "RolePermission",
    "RuleScope",
    "ScopeKind",
    "SessionFactory",
    "StageTransition",
    "Task",
    "TaskCrmLink",
    "TaskMember",
    "TaskTag",
    "Unsubscribe",
    "User",
    "Webhook",
    "WebhookDelivery",
    "utcnow",
]
