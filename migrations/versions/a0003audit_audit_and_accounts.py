"""audit trail, notification log, revocable sessions, sign-in limits

Revision ID: a0003audit
Revises: a0002core
"""
from alembic import op
import sqlalchemy as sa


revision = 'a0003audit'
down_revision = 'a0002core'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
