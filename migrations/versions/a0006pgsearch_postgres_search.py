"""PostgreSQL full-text search engine (issue 13)

Revision ID: a0006pgsearch
Revises: a0005search
"""
from alembic import op
import sqlalchemy as sa


revision = 'a0006pgsearch'
down_revision = 'a0005search'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
