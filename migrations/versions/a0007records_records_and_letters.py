"""uploads, portal notices, letters, grounds as cited (issue 11)

Revision ID: a0007records
Revises: a0006pgsearch
"""
from alembic import op
import sqlalchemy as sa


revision = 'a0007records'
down_revision = 'a0006pgsearch'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
