"""pending work table, leases (issue 13)

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
    pass


def downgrade():
    pass
