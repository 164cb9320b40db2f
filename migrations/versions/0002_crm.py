"""CRM: dictionaries (seeded with defaults), leads, contacts, companies, deals, communications,
activities, timeline and deal stage history.

Revision ID: 0002_crm
Revises: 0001_platform
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import BigId, UtcDateTime
from models.crm.common import Money
from models.crm.defaults import seed_default_dictionaries

revision: str = "0002_crm"
down_revision: str | Sequence[str] | None = "0001_platform"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A lead links to the records it was converted into, which are made after it: these keys
# are added once all tables exist (batch mode, so SQLite can add them too).
LEAD_LINKS = [
    ("fk_crm_leads_contact_id_crm_contacts", "contact_id", "crm_contacts"),
    ("fk_crm_leads_company_id_crm_companies", "company_id", "crm_companies"),
    ("fk_crm_leads_deal_id_crm_deals", "deal_id", "crm_deals"),
]


def upgrade() -> None:
    op.create_table('crm_communications',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('entity_type', sa.String(16), nullable=False),
    sa.Column('entity_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(16), nullable=False),
    sa.Column('value_type', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=255), nullable=False),
    sa.Column('normalized', sa.String(length=255), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_communications'))
    )
    op.create_index('ix_crm_communications_entity', 'crm_communications', ['entity_type', 'entity_id'])
    op.create_index('ix_crm_communications_kind_normalized', 'crm_communications', ['kind', 'normalized'])

    op.create_table('crm_lead_sources',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.Column('created_at', UtcDateTime(), server_default=sa.func.now(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_lead_sources'))
    )
    op.create_index('ix_crm_lead_sources_sort_id', 'crm_lead_sources', ['sort', 'id'])

    op.create_table('crm_lead_statuses',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.Column('semantics', sa.String(16), nullable=False),
    sa.Column('created_at', UtcDateTime(), server_default=sa.func.now(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_lead_statuses'))
    )
    op.create_index('ix_crm_lead_statuses_sort_id', 'crm_lead_statuses', ['sort', 'id'])

    op.create_table('crm_pipelines',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('created_at', UtcDateTime(), server_default=sa.func.now(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_pipelines'))
    )
    op.create_index('ix_crm_pipelines_sort_id', 'crm_pipelines', ['sort', 'id'])

    op.create_table('crm_deal_stages',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('pipeline_id', BigId, nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.Column('semantics', sa.String(16), nullable=False),
    sa.Column('created_at', UtcDateTime(), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['pipeline_id'], ['crm_pipelines.id'], name=op.f('fk_crm_deal_stages_pipeline_id_crm_pipelines'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_deal_stages'))
    )
    op.create_index('ix_crm_deal_stages_pipeline_id_sort', 'crm_deal_stages', ['pipeline_id', 'sort', 'id'])

    op.create_table('crm_activities',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(16), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('direction', sa.String(16), nullable=False),
    sa.Column('start_at', UtcDateTime(), nullable=True),
    sa.Column('end_at', UtcDateTime(), nullable=True),
    sa.Column('completed', sa.Boolean(), nullable=False),
    sa.Column('completed_at', UtcDateTime(), nullable=True),
    sa.Column('assigned_to_id', BigId, nullable=True),
    sa.Column('created_by_id', BigId, nullable=True),
    sa.Column('created_at', UtcDateTime(), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', UtcDateTime(), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['assigned_to_id'], ['users.id'], name=op.f('fk_crm_activities_assigned_to_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_crm_activities_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_activities'))
    )
    op.create_index('ix_crm_activities_assigned_to_id_id', 'crm_activities', ['assigned_to_id', 'id'])
    op.create_index('ix_crm_activities_created_at_id', 'crm_activities', ['created_at', 'id'])
    op.create_index('ix_crm_activities_start_at', 'crm_activities', ['start_at'])

    op.create_table('crm_leads',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('company_title', sa.String(length=255), nullable=False),
    sa.Column('status_id', BigId, nullable=False),
    sa.Column('source_id', BigId, nullable=True),
    sa.Column('source_description', sa.Text(), nullable=False),
    sa.Column('utm_source', sa.String(length=255), nullable=False),
    sa.Column('utm_medium', sa.String(length=255), nullable=False),
    sa.Column('utm_campaign', sa.String(length=255), nullable=False),
    sa.Column('utm_content', sa.String(length=255), nullable=False),
    sa.Column('utm_term', sa.String(length=255), nullable=False),
    sa.Column('assigned_to_id', BigId, nullable=True),
    sa.Column('created_by_id', BigId, nullable=True),
    sa.Column('opened', sa.Boolean(), nullable=False),
    sa.Column('is_repeat', sa.Boolean(), nullable=False),
    sa.Column('converted_at', UtcDateTime(), nullable=True),
    sa.Column('contact_id', BigId, nullable=True),
    sa.Column('company_id', BigId, nullable=True),
    sa.Column('deal_id', BigId, nullable=True),
    sa.Column('created_at', UtcDateTime(), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', UtcDateTime(), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['assigned_to_id'], ['users.id'], name=op.f('fk_crm_leads_assigned_to_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_crm_leads_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_id'], ['crm_lead_sources.id'], name=op.f('fk_crm_leads_source_id_crm_lead_sources'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['status_id'], ['crm_lead_statuses.id'], name=op.f('fk_crm_leads_status_id_crm_lead_statuses'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_leads'))
    )
    op.create_index('ix_crm_leads_assigned_to_id_id', 'crm_leads', ['assigned_to_id', 'id'])
    op.create_index('ix_crm_leads_created_at_id', 'crm_leads', ['created_at', 'id'])
    op.create_index('ix_crm_leads_source_id', 'crm_leads', ['source_id'])
    op.create_index('ix_crm_leads_status_id_id', 'crm_leads', ['status_id', 'id'])
    op.create_index('ix_crm_leads_title_id', 'crm_leads', ['title', 'id'])
    op.create_index('ix_crm_leads_updated_at_id', 'crm_leads', ['updated_at', 'id'])

    op.create_table('crm_activity_bindings',
    sa.Column('activity_id', BigId, nullable=False),
    sa.Column('entity_type', sa.String(16), nullable=False),
    sa.Column('entity_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['crm_activities.id'], name=op.f('fk_crm_activity_bindings_activity_id_crm_activities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('activity_id', 'entity_type', 'entity_id', name=op.f('pk_crm_activity_bindings'))
    )
    op.create_index('ix_crm_activity_bindings_entity', 'crm_activity_bindings', ['entity_type', 'entity_id', 'activity_id'])

    op.create_table('crm_companies',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('industry', sa.String(length=100), nullable=False),
    sa.Column('revenue', Money(), nullable=True),
    sa.Column('employees', sa.Integer(), nullable=True),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('assigned_to_id', BigId, nullable=True),
    sa.Column('created_by_id', BigId, nullable=True),
    sa.Column('opened', sa.Boolean(), nullable=False),
    sa.Column('source_lead_id', BigId, nullable=True),
    sa.Column('created_at', UtcDateTime(), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', UtcDateTime(), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['assigned_to_id'], ['users.id'], name=op.f('fk_crm_companies_assigned_to_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_crm_companies_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_lead_id'], ['crm_leads.id'], name=op.f('fk_crm_companies_source_lead_id_crm_leads'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_companies'))
    )
    op.create_index('ix_crm_companies_assigned_to_id_id', 'crm_companies', ['assigned_to_id', 'id'])
    op.create_index('ix_crm_companies_created_at_id', 'crm_companies', ['created_at', 'id'])
    op.create_index('ix_crm_companies_source_lead_id', 'crm_companies', ['source_lead_id'])
    op.create_index('ix_crm_companies_title_id', 'crm_companies', ['title', 'id'])
    op.create_index('ix_crm_companies_updated_at_id', 'crm_companies', ['updated_at', 'id'])

    op.create_table('crm_contacts',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('position', sa.String(length=255), nullable=False),
    sa.Column('assigned_to_id', BigId, nullable=True),
    sa.Column('created_by_id', BigId, nullable=True),
    sa.Column('opened', sa.Boolean(), nullable=False),
    sa.Column('source_lead_id', BigId, nullable=True),
    sa.Column('created_at', UtcDateTime(), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', UtcDateTime(), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['assigned_to_id'], ['users.id'], name=op.f('fk_crm_contacts_assigned_to_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_crm_contacts_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_lead_id'], ['crm_leads.id'], name=op.f('fk_crm_contacts_source_lead_id_crm_leads'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_contacts'))
    )
    op.create_index('ix_crm_contacts_assigned_to_id_id', 'crm_contacts', ['assigned_to_id', 'id'])
    op.create_index('ix_crm_contacts_created_at_id', 'crm_contacts', ['created_at', 'id'])
    op.create_index('ix_crm_contacts_first_name_id', 'crm_contacts', ['first_name', 'id'])
    op.create_index('ix_crm_contacts_last_name_id', 'crm_contacts', ['last_name', 'id'])
    op.create_index('ix_crm_contacts_source_lead_id', 'crm_contacts', ['source_lead_id'])
    op.create_index('ix_crm_contacts_updated_at_id', 'crm_contacts', ['updated_at', 'id'])

    op.create_table('crm_timeline_entries',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('entity_type', sa.String(16), nullable=False),
    sa.Column('entity_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(16), nullable=False),
    sa.Column('author_id', BigId, nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('field', sa.String(length=64), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.Column('activity_id', BigId, nullable=True),
    sa.Column('created_at', UtcDateTime(), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['crm_activities.id'], name=op.f('fk_crm_timeline_entries_activity_id_crm_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_crm_timeline_entries_author_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_timeline_entries'))
    )
    op.create_index('ix_crm_timeline_entries_activity_id', 'crm_timeline_entries', ['activity_id'])
    op.create_index('ix_crm_timeline_entries_entity', 'crm_timeline_entries', ['entity_type', 'entity_id', 'created_at', 'id'])

    op.create_table('crm_contact_companies',
    sa.Column('contact_id', BigId, nullable=False),
    sa.Column('company_id', BigId, nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['crm_companies.id'], name=op.f('fk_crm_contact_companies_company_id_crm_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_id'], ['crm_contacts.id'], name=op.f('fk_crm_contact_companies_contact_id_crm_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contact_id', 'company_id', name=op.f('pk_crm_contact_companies'))
    )
    op.create_index('ix_crm_contact_companies_company_id', 'crm_contact_companies', ['company_id', 'contact_id'])

    op.create_table('crm_deals',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('pipeline_id', BigId, nullable=False),
    sa.Column('stage_id', BigId, nullable=False),
    sa.Column('amount', Money(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('probability', sa.Integer(), nullable=True),
    sa.Column('company_id', BigId, nullable=True),
    sa.Column('assigned_to_id', BigId, nullable=True),
    sa.Column('created_by_id', BigId, nullable=True),
    sa.Column('opened', sa.Boolean(), nullable=False),
    sa.Column('source_lead_id', BigId, nullable=True),
    sa.Column('closed_at', UtcDateTime(), nullable=True),
    sa.Column('created_at', UtcDateTime(), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', UtcDateTime(), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['assigned_to_id'], ['users.id'], name=op.f('fk_crm_deals_assigned_to_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['company_id'], ['crm_companies.id'], name=op.f('fk_crm_deals_company_id_crm_companies'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_crm_deals_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pipeline_id'], ['crm_pipelines.id'], name=op.f('fk_crm_deals_pipeline_id_crm_pipelines'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['source_lead_id'], ['crm_leads.id'], name=op.f('fk_crm_deals_source_lead_id_crm_leads'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['stage_id'], ['crm_deal_stages.id'], name=op.f('fk_crm_deals_stage_id_crm_deal_stages'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_deals'))
    )
    op.create_index('ix_crm_deals_amount_id', 'crm_deals', ['amount', 'id'])
    op.create_index('ix_crm_deals_assigned_to_id_id', 'crm_deals', ['assigned_to_id', 'id'])
    op.create_index('ix_crm_deals_closed_at', 'crm_deals', ['closed_at'])
    op.create_index('ix_crm_deals_company_id', 'crm_deals', ['company_id'])
    op.create_index('ix_crm_deals_created_at_id', 'crm_deals', ['created_at', 'id'])
    op.create_index('ix_crm_deals_pipeline_id_id', 'crm_deals', ['pipeline_id', 'id'])
    op.create_index('ix_crm_deals_source_lead_id', 'crm_deals', ['source_lead_id'])
    op.create_index('ix_crm_deals_stage_id_id', 'crm_deals', ['stage_id', 'id'])
    op.create_index('ix_crm_deals_title_id', 'crm_deals', ['title', 'id'])
    op.create_index('ix_crm_deals_updated_at_id', 'crm_deals', ['updated_at', 'id'])

    op.create_table('crm_deal_contacts',
    sa.Column('deal_id', BigId, nullable=False),
    sa.Column('contact_id', BigId, nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['crm_contacts.id'], name=op.f('fk_crm_deal_contacts_contact_id_crm_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['deal_id'], ['crm_deals.id'], name=op.f('fk_crm_deal_contacts_deal_id_crm_deals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('deal_id', 'contact_id', name=op.f('pk_crm_deal_contacts'))
    )
    op.create_index('ix_crm_deal_contacts_contact_id', 'crm_deal_contacts', ['contact_id', 'deal_id'])

    op.create_table('crm_deal_stage_moves',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('deal_id', BigId, nullable=False),
    sa.Column('from_stage_id', BigId, nullable=True),
    sa.Column('to_stage_id', BigId, nullable=True),
    sa.Column('moved_by_id', BigId, nullable=True),
    sa.Column('moved_at', UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['deal_id'], ['crm_deals.id'], name=op.f('fk_crm_deal_stage_moves_deal_id_crm_deals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['from_stage_id'], ['crm_deal_stages.id'], name=op.f('fk_crm_deal_stage_moves_from_stage_id_crm_deal_stages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['moved_by_id'], ['users.id'], name=op.f('fk_crm_deal_stage_moves_moved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['to_stage_id'], ['crm_deal_stages.id'], name=op.f('fk_crm_deal_stage_moves_to_stage_id_crm_deal_stages'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_deal_stage_moves'))
    )
    op.create_index('ix_crm_deal_stage_moves_deal_id', 'crm_deal_stage_moves', ['deal_id', 'moved_at', 'id'])

    with op.batch_alter_table("crm_leads") as batch:
        for name, column, target in LEAD_LINKS:
            batch.create_foreign_key(name, target, [column], ["id"], ondelete="SET NULL")

    seed_default_dictionaries(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("crm_leads") as batch:
        for name, _column, _target in LEAD_LINKS:
            batch.drop_constraint(name, type_="foreignkey")
    op.drop_index('ix_crm_deal_stage_moves_deal_id', table_name='crm_deal_stage_moves')

    op.drop_table('crm_deal_stage_moves')
    op.drop_index('ix_crm_deal_contacts_contact_id', table_name='crm_deal_contacts')

    op.drop_table('crm_deal_contacts')
    op.drop_index('ix_crm_deals_updated_at_id', table_name='crm_deals')
    op.drop_index('ix_crm_deals_title_id', table_name='crm_deals')
    op.drop_index('ix_crm_deals_stage_id_id', table_name='crm_deals')
    op.drop_index('ix_crm_deals_source_lead_id', table_name='crm_deals')
    op.drop_index('ix_crm_deals_pipeline_id_id', table_name='crm_deals')
    op.drop_index('ix_crm_deals_created_at_id', table_name='crm_deals')
    op.drop_index('ix_crm_deals_company_id', table_name='crm_deals')
    op.drop_index('ix_crm_deals_closed_at', table_name='crm_deals')
    op.drop_index('ix_crm_deals_assigned_to_id_id', table_name='crm_deals')
    op.drop_index('ix_crm_deals_amount_id', table_name='crm_deals')

    op.drop_table('crm_deals')
    op.drop_index('ix_crm_contact_companies_company_id', table_name='crm_contact_companies')

    op.drop_table('crm_contact_companies')
    op.drop_index('ix_crm_timeline_entries_entity', table_name='crm_timeline_entries')
    op.drop_index('ix_crm_timeline_entries_activity_id', table_name='crm_timeline_entries')

    op.drop_table('crm_timeline_entries')
    op.drop_index('ix_crm_contacts_updated_at_id', table_name='crm_contacts')
    op.drop_index('ix_crm_contacts_source_lead_id', table_name='crm_contacts')
    op.drop_index('ix_crm_contacts_last_name_id', table_name='crm_contacts')
    op.drop_index('ix_crm_contacts_first_name_id', table_name='crm_contacts')
    op.drop_index('ix_crm_contacts_created_at_id', table_name='crm_contacts')
    op.drop_index('ix_crm_contacts_assigned_to_id_id', table_name='crm_contacts')

    op.drop_table('crm_contacts')
    op.drop_index('ix_crm_companies_updated_at_id', table_name='crm_companies')
    op.drop_index('ix_crm_companies_title_id', table_name='crm_companies')
    op.drop_index('ix_crm_companies_source_lead_id', table_name='crm_companies')
    op.drop_index('ix_crm_companies_created_at_id', table_name='crm_companies')
    op.drop_index('ix_crm_companies_assigned_to_id_id', table_name='crm_companies')

    op.drop_table('crm_companies')
    op.drop_index('ix_crm_activity_bindings_entity', table_name='crm_activity_bindings')

    op.drop_table('crm_activity_bindings')
    op.drop_index('ix_crm_leads_updated_at_id', table_name='crm_leads')
    op.drop_index('ix_crm_leads_title_id', table_name='crm_leads')
    op.drop_index('ix_crm_leads_status_id_id', table_name='crm_leads')
    op.drop_index('ix_crm_leads_source_id', table_name='crm_leads')
    op.drop_index('ix_crm_leads_created_at_id', table_name='crm_leads')
    op.drop_index('ix_crm_leads_assigned_to_id_id', table_name='crm_leads')

    op.drop_table('crm_leads')
    op.drop_index('ix_crm_activities_start_at', table_name='crm_activities')
    op.drop_index('ix_crm_activities_created_at_id', table_name='crm_activities')
    op.drop_index('ix_crm_activities_assigned_to_id_id', table_name='crm_activities')

    op.drop_table('crm_activities')
    op.drop_index('ix_crm_deal_stages_pipeline_id_sort', table_name='crm_deal_stages')

    op.drop_table('crm_deal_stages')
    op.drop_index('ix_crm_pipelines_sort_id', table_name='crm_pipelines')

    op.drop_table('crm_pipelines')
    op.drop_index('ix_crm_lead_statuses_sort_id', table_name='crm_lead_statuses')

    op.drop_table('crm_lead_statuses')
    op.drop_index('ix_crm_lead_sources_sort_id', table_name='crm_lead_sources')

    op.drop_table('crm_lead_sources')
    op.drop_index('ix_crm_communications_kind_normalized', table_name='crm_communications')
    op.drop_index('ix_crm_communications_entity', table_name='crm_communications')

    op.drop_table('crm_communications')
