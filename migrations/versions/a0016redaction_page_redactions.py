"""redactions measured on every page, and failed redactions held back

Each page gets the share of its area under redaction boxes, whether it was withheld in full, whether a
box covers text the file still holds (that text is kept apart from the page's text), and a lawyer's
decision on such a page (keep it hidden, or release its visible text).

Revision ID: a0016redaction
Revises: a0017public
"""
from alembic import op
import sqlalchemy as sa


revision = 'a0016redaction'
down_revision = 'a0017public'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pages') as batch:
        batch.add_column(sa.Column('redacted_share', sa.Float(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('area', sa.Float(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('withheld_in_full', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('failed_redaction', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('text_under_redaction', sa.Text(), nullable=False, server_default=''))
        batch.add_column(sa.Column('redaction_decision', sa.String(20), nullable=True))
        batch.create_check_constraint('ck_pages_redaction_decision_valid',
                                      sa.text("redaction_decision IN ('keep_hidden', 'release')"))
        batch.create_check_constraint('ck_pages_redacted_share_range',
                                      sa.text("redacted_share >= 0 AND redacted_share <= 1"))


def downgrade():
    with op.batch_alter_table('pages') as batch:
        batch.drop_constraint('ck_pages_redacted_share_range', type_='check')
        batch.drop_constraint('ck_pages_redaction_decision_valid', type_='check')
        batch.drop_column('redaction_decision')
        batch.drop_column('text_under_redaction')
        batch.drop_column('failed_redaction')
        batch.drop_column('withheld_in_full')
        batch.drop_column('area')
        batch.drop_column('redacted_share')
