"""one transaction boundary, serialized history, honest outcomes

Revision ID: a0002core
Revises: 1f81a1b26a2f
"""
from alembic import op
import sqlalchemy as sa


revision = 'a0002core'
down_revision = '1f81a1b26a2f'
branch_labels = None
depends_on = None


def upgrade():
    # requests.stale_on: the first day the stored status and next deadline (a list index) may no longer
    # be today's; readers recompute such rows before listing. Existing open rows are due at once.
    op.add_column('requests', sa.Column('stale_on', sa.Date(), nullable=True))
    op.create_index('ix_requests_stale_on', 'requests', ['stale_on'])
    op.execute("UPDATE requests SET stale_on = DATE '2000-01-01' WHERE status NOT IN ('closed', 'withdrawn')"
               if op.get_bind().dialect.name == 'postgresql' else
               "UPDATE requests SET stale_on = '2000-01-01' WHERE status NOT IN ('closed', 'withdrawn')")


def downgrade():
    op.drop_index('ix_requests_stale_on', table_name='requests')
    with op.batch_alter_table('requests') as batch:
        batch.drop_column('stale_on')
