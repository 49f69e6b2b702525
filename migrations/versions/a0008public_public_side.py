"""public portal, neighborhoods, resident requests (issue 12)

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
    pass


def downgrade():
    pass
