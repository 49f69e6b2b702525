"""pending work table, deployment facts

Revision ID: a0010deploy
Revises: a0009extract
"""
from alembic import op
import sqlalchemy as sa


revision = 'a0010deploy'
down_revision = 'a0009extract'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'pending_work',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('task', sa.String(length=200), nullable=False),
        sa.Column('args', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('relayed_at', sa.DateTime(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('done_at', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_pending_work_open', 'pending_work', ['done_at', 'relayed_at'])
    op.create_table(
        'deployment_facts',
        sa.Column('name', sa.String(length=100), primary_key=True),
        sa.Column('value', sa.Text(), nullable=False),
    )


def downgrade():
    op.drop_index('ix_pending_work_open', table_name='pending_work')
    op.drop_table('pending_work')
    op.drop_table('deployment_facts')
