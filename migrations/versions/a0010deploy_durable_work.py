"""pending work table, deployment facts (issue 13)

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
        'deployment_facts',
        sa.Column('name', sa.String(length=100), primary_key=True),
        sa.Column('value', sa.Text(), nullable=False),
    )


def downgrade():
    op.drop_table('deployment_facts')
