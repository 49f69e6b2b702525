"""extraction pool

Revision ID: a0009extract
Revises: a0008public
"""
from alembic import op
import sqlalchemy as sa


revision = 'a0009extract'
down_revision = 'a0008public'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
