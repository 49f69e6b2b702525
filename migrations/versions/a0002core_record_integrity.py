"""one transaction boundary, serialized history, honest outcomes (issue 9)

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
    pass


def downgrade():
    pass
