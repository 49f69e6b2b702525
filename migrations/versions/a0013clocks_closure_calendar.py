"""agencies' closure calendar; events for a clarification answered and a request marked reasonably described

Revision ID: a0013clocks
Revises: a0020claims
"""
import sqlalchemy as sa
from alembic import op

revision = 'a0013clocks'
down_revision = 'a0020claims'
branch_labels = None
depends_on = None

OLD_TYPES = ('submitted', 'acknowledged', 'extended', 'records_released', 'granted', 'partially_granted', 'denied',
             'no_records', 'appeal_filed', 'appeal_granted', 'appeal_denied', 'article78_filed', 'fee_requested',
             'fee_paid', 'clarification_requested', 'closed', 'withdrawn', 'note')
NEW_TYPES = OLD_TYPES[:15] + ('clarification_answered', 'reasonably_described') + OLD_TYPES[15:]


def _types(values) -> str:
    return "type IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closure_calendar', sa.String(length=20), nullable=False,
                                      server_default='statute'))
        batch_op.create_check_constraint(op.f('ck_agencies_closure_calendar_valid'),
                                         "closure_calendar IN ('statute', 'nyc')")
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_events_type_valid'), type_='check')
        batch_op.create_check_constraint(op.f('ck_events_type_valid'), _types(NEW_TYPES))


def downgrade():
    op.execute("DELETE FROM events WHERE type IN ('clarification_answered', 'reasonably_described')")
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_events_type_valid'), type_='check')
        batch_op.create_check_constraint(op.f('ck_events_type_valid'), _types(OLD_TYPES))
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_agencies_closure_calendar_valid'), type_='check')
        batch_op.drop_column('closure_calendar')
