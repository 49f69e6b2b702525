"""lease epochs: a fencing token per singleton role

Each takeover of a lease (the scheduler, the mail worker, the search-index writer) adds one to its role's
epoch; the singleton's work checks its epoch in the transaction that does it, so a holder that lost its
lease while frozen cannot act after another has taken over (tracker.fencing).

Revision ID: a0018fencing
Revises: a0012letters
"""
import sqlalchemy as sa
from alembic import op

revision = 'a0018fencing'
down_revision = 'a0012letters'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "lease_epochs",
        sa.Column("role", sa.String(40), primary_key=True),
        sa.Column("epoch", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("holder", sa.String(200), nullable=False, server_default=""),
        sa.Column("taken_at", sa.DateTime(), nullable=False, server_default=sa.func.current_timestamp()),
    )


def downgrade():
    op.drop_table("lease_epochs")
