"""The GraphQL layer: Strawberry types and the root Query / Mutation, thin over resolvers/."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, SchemaExtension
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from strawberry.types.base import get_object_definition

from schema.access import AccessQueries, Role
from schema.access_admin import AccessMutations
from schema.api_keys import ApiKeyMutations, ApiKeyQueries
from schema.attachments import AttachmentMutations
from schema.automation import AutomationMutations, AutomationQueries
from schema.budget import budgeted_executor
from schema.comments import Comment, CommentMutations
from schema.compiled_reads import CompiledReads
from schema.cost import CostLimit
from schema.crm.activities import ActivityMutations, ActivityQueries
from schema.crm.bulk import BulkMutations
from schema.crm.companies import CompanyMutations, CompanyQueries
from schema.crm.contacts import ContactMutations, ContactQueries
from schema.crm.custom_fields import CustomFieldMutations, CustomFieldQueries
from schema.crm.deals import DealMutations, DealQueries
from schema.crm.dictionaries import DictionaryQueries
from schema.crm.dictionary_admin import DictionaryMutations
from schema.crm.duplicates import DuplicateQueries
from schema.crm.exports import ExportMutations
from schema.crm.leads import LeadMutations, LeadQueries
from schema.crm.merges import MergeMutations
from schema.crm.saved_views import SavedViewMutations, SavedViewQueries
from schema.crm.timeline import TimelineMutations
from schema.departments import Department, DepartmentMutations, DepartmentQueries
from schema.errors import ErrorCodes, is_expected
from schema.extensions import ConnectionInfo, OperationScope, RequireLogin
from schema.feed import FeedEvent, FeedQueries
from schema.imports import ImportMutations, ImportQueries, ImportSubscriptions
from schema.input_text import CleanLiterals, CleanVariables
from schema.lead_forms import LeadFormMutations, LeadFormQueries
from schema.limits import LimitedValidation, QueryLimits
from schema.list_bounds import bound_lists
from schema.live import LiveSubscriptions
from schema.mail import MailMutations, MailQueries
from schema.node import NodeQueries
from schema.notifications import Notification, NotificationMutations, NotificationQueries
from schema.parsing import CheckedParserCache
from schema.posts import Post, PostMutations, PostQueries
from schema.reports import ReportQueries, ReportSubscriptions
from schema.reports.pulse import PulseQueries, PulseSubscriptions
from schema.sessions import SessionMutations
from schema.task_mutations import TaskMutations
from schema.tasks import ChecklistItem, Task, TaskQueries
from schema.users import User, UserMutations, UserQueries
from schema.webhooks import WebhookMutations, WebhookQueries

__all__ = ["ConnectionInfo", "QueryLimits", "build_schema"]


def root_type(name: str, description: str, parts: tuple[type, ...]) -> type:
    """One root type from the per-area classes (merge_types, which takes no description)."""
    merged = merge_types(name, parts)
    get_object_definition(merged, strict=True).description = description
    return merged


Query = root_type(
    "Query",
    "Reads. Every field but introspection needs a token; what a field answers is what the "
    "viewer may see.",
    (
        NodeQueries,
        UserQueries,
        DepartmentQueries,
        LeadQueries,
        ContactQueries,
        CompanyQueries,
        DealQueries,
        SavedViewQueries,
        ActivityQueries,
        DictionaryQueries,
        CustomFieldQueries,
        DuplicateQueries,
        AccessQueries,
        ApiKeyQueries,
        LeadFormQueries,
        WebhookQueries,
        AutomationQueries,
        MailQueries,
        ImportQueries,
        TaskQueries,
        PostQueries,
        NotificationQueries,
        FeedQueries,
        ReportQueries,
        PulseQueries,
    ),
)
Mutation = root_type(
    "Mutation",
    "Writes. Every mutation but `login` needs a token; a refused right answers FORBIDDEN, a "
    "record the viewer may not read NOT_FOUND.",
    (
        SessionMutations,
        UserMutations,
        DepartmentMutations,
        LeadMutations,
        ContactMutations,
        CompanyMutations,
        MergeMutations,
        DealMutations,
        ExportMutations,
        SavedViewMutations,
        BulkMutations,
        AttachmentMutations,
        ImportMutations,
        ActivityMutations,
        TimelineMutations,
        DictionaryMutations,
        CustomFieldMutations,
        AccessMutations,
        ApiKeyMutations,
        LeadFormMutations,
        WebhookMutations,
        AutomationMutations,
        MailMutations,
        TaskMutations,
        CommentMutations,
        PostMutations,
        NotificationMutations,
    ),
)
Subscription = root_type(
    "Subscription",
    "Live streams over websockets (graphql-transport-ws or graphql-ws). A stream ends with "
    "close code 4401 when the token is revoked and 4410 when the subscriber falls too far "
    "behind (subscribe again with `after`).",
    (LiveSubscriptions, ReportSubscriptions, PulseSubscriptions, ImportSubscriptions),
)

MAX_TOKENS = 5000


class CrmSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Some errors (syntax errors, say) leave before the ErrorCodes extension sees them:
        # code them here, where every error passes.
        for error in errors:
            if error.original_error is None and not (error.extensions or {}).get("code"):
                error.extensions = {**(error.extensions or {}), "code": "BAD_USER_INPUT"}
        # Refusals and client mistakes are answers, not incidents: log only the unexpected.
        unexpected = [error for error in errors if not is_expected(error)]
        if unexpected:
            super().process_errors(unexpected, execution_context)


def build_schema(
    limits: QueryLimits | None = None,
    *,
    observers: Sequence[type[SchemaExtension] | Callable[[], SchemaExtension]] = (),
    **options: Any,
) -> strawberry.Schema:
    """The schema, holding every operation to ``limits`` (docs/security.md). ``observers``:
    extensions that run around all others (they see every error coded)."""
    limits = limits or QueryLimits()
    schema = CrmSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[
            User,
            Department,
            Role,
            Task,
            ChecklistItem,
            Post,
            Comment,
            Notification,
            FeedEvent,
        ],
        extensions=[
            *observers,
            # Factories: Strawberry builds the extensions afresh for every operation. The
            # parser and validation caches themselves live at module level (validation's
            # in schema/limits.py).
            OperationScope,
            lambda: CheckedParserCache(maxsize=512),
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            # Text literals are checked with the document, so once per cached validation.
            lambda: AddValidationRules([CleanLiterals]),
            lambda: LimitedValidation(limits),
            RequireLogin,
            lambda: CostLimit(limits.max_cost),
            CleanVariables,
            ErrorCodes,
            # Last: it runs once every check before execution has passed.
            lambda: CompiledReads(limits.max_list_items),
        ],
        # Answers events that subscribers share once per key (schema/sharing.py), within
        # the operations' budgets (schema/budget.py).
        execution_context_class=budgeted_executor(limits),
        **options,
    )
    bound_lists(schema._schema)
    return schema
