"""search engine changes (issues 10, 14)

Revision ID: a0005search
Revises: a0004websec
"""
from alembic import op
import sqlalchemy as sa


revision = 'a0005search'
down_revision = 'a0004websec'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
