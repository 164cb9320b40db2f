"""CRM: dictionaries, leads, contacts, companies, deals, activities and their timeline."""

from models.crm.activities import Activity, ActivityBinding, ActivityDirection, ActivityKind
from models.crm.common import CrmEntity, Money, Semantics
from models.crm.communications import Communication, CommunicationKind
from models.crm.custom_fields import CustomField, CustomFieldKind, CustomValue
from models.crm.dictionaries import DealStage, LeadSource, LeadStatus, Pipeline
from models.crm.funnel_tallies import DealFunnelTally
from models.crm.records import Company, Contact, ContactCompany, Deal, DealContact, Lead
from models.crm.saved_views import SavedView, ViewSharing
from models.crm.tallies import DealTally
from models.crm.timeline import DealStageMove, TimelineEntry, TimelineKind

__all__ = [
    "Activity",
    "ActivityBinding",
    "ActivityDirection",
    "ActivityKind",
    "Communication",
    "CommunicationKind",
    "Company",
    "Contact",
    "ContactCompany",
    "CrmEntity",
    "CustomField",
    "CustomFieldKind",
    "CustomValue",
    "Deal",
    "DealContact",
    "DealFunnelTally",
    "DealStage",
    "DealStageMove",
    "DealTally",
    "Lead",
    "LeadSource",
    "LeadStatus",
    "Money",
    "Pipeline",
    "SavedView",
    "Semantics",
    "TimelineEntry",
    "TimelineKind",
    "ViewSharing",
]
