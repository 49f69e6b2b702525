"""work claims: a worker claims the pending-work row it runs and renews the claim while it works

A job whose claim lapsed (its worker died) or that no worker claimed after a short while (the broker lost
it) is relayed again by the sweeper within a minute or so, instead of after the broker's visibility
timeout; a second copy of a job finds the claim (or the row done) and does nothing.

Revision ID: a0020claims
Revises: a0018fencing
"""
import sqlalchemy as sa
from alembic import op

revision = 'a0020claims'
down_revision = 'a0018fencing'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("pending_work") as batch:
        batch.add_column(sa.Column("claimed_until", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("claimed_by", sa.String(200), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("pending_work") as batch:
        batch.drop_column("claimed_by")
        batch.drop_column("claimed_until")
