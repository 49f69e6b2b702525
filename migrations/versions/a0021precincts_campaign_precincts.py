"""campaign precincts: the police precincts a campaign names for each neighborhood in residents' letters

Revision ID: a0021precincts
Revises: a0019findings
"""
import sqlalchemy as sa
from alembic import op

revision = 'a0021precincts'
down_revision = 'a0019findings'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("precincts", sa.JSON(), nullable=False, server_default="{}"))


def downgrade():
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("precincts")
