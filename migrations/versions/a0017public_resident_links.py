"""residents' links derived at send time; the postal address in the letter only when chosen

Residents get `link_nonce` (their links are derived from it and the app's secret key, and only the links'
hashes are stored) and `include_postal_address`. The text of emails already written to residents is
emptied: it held their links and names, and emails are now written when they are sent. Messages get
`redacted_at` and `redaction`: their raw bytes were rewritten when a resident was forgotten.

Revision ID: a0017public
Revises: a0015accounts
"""
import sqlalchemy as sa
from alembic import op

revision = 'a0017public'
down_revision = 'a0015accounts'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('residents') as batch:
        batch.add_column(sa.Column('link_nonce', sa.String(64), nullable=True))
        batch.add_column(sa.Column('include_postal_address', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.execute("UPDATE resident_emails SET body = ''")
    with op.batch_alter_table('messages') as batch:
        batch.add_column(sa.Column('redacted_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('redaction', sa.Text(), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('messages') as batch:
        batch.drop_column('redaction')
        batch.drop_column('redacted_at')
    with op.batch_alter_table('residents') as batch:
        batch.drop_column('include_postal_address')
        batch.drop_column('link_nonce')
