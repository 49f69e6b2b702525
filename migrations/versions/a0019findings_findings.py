"""findings: what the records say, placed on the map; a campaign's findings licence

Revision ID: a0019findings
Revises: a0016redaction
"""
from alembic import op
import sqlalchemy as sa


revision = 'a0019findings'
down_revision = 'a0016redaction'
branch_labels = None
depends_on = None

KINDS = ("camera", "camera_network", "facial_recognition_system", "facial_recognition_search",
         "vendor_contract", "policy", "usage_figure", "other")


def upgrade():
    with op.batch_alter_table('campaigns') as batch:
        batch.add_column(sa.Column('findings_licence', sa.String(100), nullable=False,
                                   server_default='CC-BY-4.0'))

    op.create_table(
        'findings',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('campaign_id', sa.Integer(), sa.ForeignKey('campaigns.id', name='fk_findings_campaign_id_campaigns',
                                                             ondelete='CASCADE'), nullable=False),
        sa.Column('kind', sa.String(40), nullable=False),
        sa.Column('document_id', sa.Integer(), sa.ForeignKey('documents.id', name='fk_findings_document_id_documents',
                                                             ondelete='CASCADE'), nullable=True),
        sa.Column('page', sa.Integer(), nullable=True),
        sa.Column('quote', sa.Text(), nullable=False, server_default=''),
        sa.Column('source', sa.Text(), nullable=False, server_default=''),
        sa.Column('source_url', sa.String(2000), nullable=False, server_default=''),
        sa.Column('nta_codes', sa.JSON(), nullable=False),
        sa.Column('place_label', sa.String(200), nullable=False, server_default=''),
        sa.Column('latitude', sa.Float(), nullable=True),
        sa.Column('longitude', sa.Float(), nullable=True),
        sa.Column('period_start', sa.Date(), nullable=True),
        sa.Column('period_end', sa.Date(), nullable=True),
        sa.Column('batch', sa.String(40), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), sa.ForeignKey('users.id', name='fk_findings_created_by_id_users',
                                                               ondelete='SET NULL'), nullable=True),
        sa.Column('created_by_label', sa.String(320), nullable=False, server_default=''),
        sa.Column('verified_at', sa.DateTime(), nullable=True),
        sa.Column('verified_by_id', sa.Integer(), sa.ForeignKey('users.id', name='fk_findings_verified_by_id_users',
                                                                ondelete='SET NULL'), nullable=True),
        sa.CheckConstraint("kind IN (" + ", ".join(f"'{k}'" for k in KINDS) + ")", name='ck_findings_kind_valid'),
        sa.CheckConstraint("verified_by_id IS NULL OR created_by_id IS NULL OR verified_by_id <> created_by_id",
                           name='ck_findings_not_self_verified'),
        sa.CheckConstraint("(document_id IS NOT NULL AND page IS NOT NULL) OR source <> ''",
                           name='ck_findings_cited'),
        sa.CheckConstraint("period_start IS NULL OR period_end IS NULL OR period_start <= period_end",
                           name='ck_findings_period_in_order'),
    )
    op.create_index('ix_findings_campaign_id', 'findings', ['campaign_id'])
    op.create_index('ix_findings_document_id', 'findings', ['document_id'])
    op.create_index('ix_findings_batch', 'findings', ['batch'])


def downgrade():
    op.drop_index('ix_findings_batch', table_name='findings')
    op.drop_index('ix_findings_document_id', table_name='findings')
    op.drop_index('ix_findings_campaign_id', table_name='findings')
    op.drop_table('findings')
    with op.batch_alter_table('campaigns') as batch:
        batch.drop_column('findings_licence')
