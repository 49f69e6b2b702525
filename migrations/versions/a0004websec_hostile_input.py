"""agency senders, checked references, API hardening (issue 10)

Revision ID: a0004websec
Revises: a0003audit
"""
from alembic import op
import sqlalchemy as sa


revision = 'a0004websec'
down_revision = 'a0003audit'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
