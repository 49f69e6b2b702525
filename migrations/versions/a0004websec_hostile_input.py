"""agency senders, checked references, API hardening

Revision ID: a0004websec
Revises: a0003audit
"""
from alembic import op
import sqlalchemy as sa


revision = 'a0004websec'
down_revision = 'a0003audit'
branch_labels = None
depends_on = None


def upgrade():
    # Further addresses and domains an agency writes from (its FOIL and appeals addresses count already):
    # only these may have mail matched to a request by our reference or a tracking number.
    with op.batch_alter_table('agencies') as batch:
        batch.add_column(sa.Column('senders', sa.JSON(), nullable=False, server_default='[]'))


def downgrade():
    with op.batch_alter_table('agencies') as batch:
        batch.drop_column('senders')
