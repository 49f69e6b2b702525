"""uploads, portal notices, letters, grounds as cited

Revision ID: a0007records
Revises: a0006pgsearch
"""
from alembic import op
import sqlalchemy as sa


revision = 'a0007records'
down_revision = 'a0006pgsearch'
branch_labels = None
depends_on = None


def upgrade():
    # A document added by hand belongs to the event it came with (records released, a denial letter).
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_documents_event_id'), ['event_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_documents_event_id_events'), 'events', ['event_id'], ['id'],
                                    ondelete='SET NULL')
    # A campaign's letterhead and its own request letter (a template with {variables}).
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('letterhead', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('request_template', sa.Text(), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('request_template')
        batch_op.drop_column('letterhead')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_documents_event_id_events'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_documents_event_id'))
        batch_op.drop_column('event_id')
