"""public portal, neighborhoods, resident requests

Revision ID: a0008public
Revises: a0007records
"""
from alembic import op
import sqlalchemy as sa


revision = 'a0008public'
down_revision = 'a0007records'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaigns') as batch:
        batch.add_column(sa.Column('slug', sa.String(100), nullable=True))
        batch.add_column(sa.Column('agency_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('letter_template', sa.Text(), nullable=False, server_default=''))
        batch.add_column(sa.Column('public', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.create_unique_constraint('uq_campaigns_slug', ['slug'])
        batch.create_foreign_key('fk_campaigns_agency_id_agencies', 'agencies', ['agency_id'], ['id'],
                                 ondelete='SET NULL')

    op.create_table(
        'residents',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('campaign_id', sa.Integer(), sa.ForeignKey('campaigns.id', name='fk_residents_campaign_id_campaigns',
                                                             ondelete='CASCADE'), nullable=False),
        sa.Column('nta_code', sa.String(10), nullable=False),
        sa.Column('name', sa.String(200), nullable=False, server_default=''),
        sa.Column('email', sa.String(320), nullable=False, server_default=''),
        sa.Column('postal_address', sa.Text(), nullable=False, server_default=''),
        sa.Column('pseudonym', sa.String(40), nullable=False),
        sa.Column('language', sa.String(5), nullable=False, server_default='en'),
        sa.Column('state', sa.String(20), nullable=False, server_default='pending'),
        sa.Column('confirm_hash', sa.String(64), nullable=True),
        sa.Column('status_hash', sa.String(64), nullable=True),
        sa.Column('client_address', sa.String(64), nullable=False, server_default=''),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(), nullable=True),
        sa.Column('forgotten_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("state IN ('pending', 'confirmed', 'withdrawn', 'expired', 'forgotten')",
                           name='ck_residents_state_valid'),
        sa.UniqueConstraint('pseudonym', name='uq_residents_pseudonym'),
        sa.UniqueConstraint('confirm_hash', name='uq_residents_confirm_hash'),
        sa.UniqueConstraint('status_hash', name='uq_residents_status_hash'),
    )
    op.create_index('ix_residents_email', 'residents', ['email'])
    op.create_index('ix_residents_client_address', 'residents', ['client_address'])
    op.create_index('ix_residents_created_at', 'residents', ['created_at'])

    with op.batch_alter_table('requests') as batch:
        batch.add_column(sa.Column('nta_code', sa.String(10), nullable=True))
        batch.add_column(sa.Column('resident_id', sa.Integer(), nullable=True))
        batch.create_index('ix_requests_nta_code', ['nta_code'])
        batch.create_foreign_key('fk_requests_resident_id_residents', 'residents', ['resident_id'], ['id'],
                                 ondelete='SET NULL')

    op.create_table(
        'resident_emails',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('resident_id', sa.Integer(), sa.ForeignKey('residents.id', name='fk_resident_emails_resident_id_residents',
                                                             ondelete='CASCADE'), nullable=False),
        sa.Column('kind', sa.String(30), nullable=False),
        sa.Column('subject', sa.Text(), nullable=False, server_default=''),
        sa.Column('body', sa.Text(), nullable=False, server_default=''),
        sa.Column('status', sa.String(20), nullable=False, server_default='queued'),
        sa.Column('reason', sa.Text(), nullable=False, server_default=''),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'sent', 'failed')", name='ck_resident_emails_status_valid'),
    )
    op.create_index('ix_resident_emails_resident_id', 'resident_emails', ['resident_id'])


def downgrade():
    op.drop_index('ix_resident_emails_resident_id', table_name='resident_emails')
    op.drop_table('resident_emails')
    with op.batch_alter_table('requests') as batch:
        batch.drop_constraint('fk_requests_resident_id_residents', type_='foreignkey')
        batch.drop_index('ix_requests_nta_code')
        batch.drop_column('resident_id')
        batch.drop_column('nta_code')
    op.drop_index('ix_residents_created_at', table_name='residents')
    op.drop_index('ix_residents_client_address', table_name='residents')
    op.drop_index('ix_residents_email', table_name='residents')
    op.drop_table('residents')
    with op.batch_alter_table('campaigns') as batch:
        batch.drop_constraint('fk_campaigns_agency_id_agencies', type_='foreignkey')
        batch.drop_constraint('uq_campaigns_slug', type_='unique')
        batch.drop_column('public')
        batch.drop_column('letter_template')
        batch.drop_column('agency_id')
        batch.drop_column('slug')
