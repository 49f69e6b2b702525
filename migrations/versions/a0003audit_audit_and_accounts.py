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
    op.create_table(
        'audit_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('actor_kind', sa.String(length=10), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_label', sa.String(length=320), nullable=False),
        sa.Column('action', sa.String(length=60), nullable=False),
        sa.Column('subject_type', sa.String(length=40), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=True),
        sa.Column('request_id', sa.Integer(), nullable=True),
        sa.Column('summary', sa.String(length=500), nullable=False),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=True),
        sa.CheckConstraint("actor_kind IN ('user', 'cli', 'system', 'anonymous')",
                           name=op.f('ck_audit_log_actor_kind_valid')),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_log_actor_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log')),
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_request_id'), ['request_id'], unique=False)

    op.create_table(
        'sign_in_failures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_failures')),
    )
    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_failures_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sign_in_failures_email'), ['email', 'at'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), nullable=False,
                                      server_default='1'))

    # The reminders table becomes the one notification log: reminders, digests and saved-search alerts.
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('subject', sa.String(length=300), nullable=False, server_default=''))
        batch_op.drop_constraint(op.f('ck_reminders_threshold_valid'), type_='check')
        batch_op.create_check_constraint(op.f('ck_reminders_threshold_valid'),
                                         "threshold IN ('upcoming', 'missed', 'digest', 'alert')")
        batch_op.create_unique_constraint(batch_op.f('uq_reminders_key'), ['key'])
    as_text = "CAST({} AS VARCHAR(40))"
    op.execute(
        "UPDATE reminders SET key = 'reminder:' || " + as_text.format('user_id') + " || ':' || "
        + as_text.format('request_id') + " || ':' || kind || ':' || " + as_text.format('due_on')
        + " || ':' || threshold WHERE threshold <> 'digest' AND request_id IS NOT NULL")
    # Before the log, a week's digest could be recorded twice (NULL request ids never collide): keep one key.
    op.execute(
        "UPDATE reminders SET key = 'digest:' || " + as_text.format('user_id') + " || ':' || "
        + as_text.format('due_on') + " WHERE threshold = 'digest' AND id IN "
        "(SELECT MIN(id) FROM reminders WHERE threshold = 'digest' GROUP BY user_id, due_on)")


def downgrade():
    op.execute("DELETE FROM reminders WHERE threshold = 'alert'")
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_reminders_key'), type_='unique')
        batch_op.drop_constraint(op.f('ck_reminders_threshold_valid'), type_='check')
        batch_op.create_check_constraint(op.f('ck_reminders_threshold_valid'),
                                         "threshold IN ('upcoming', 'missed', 'digest')")
        batch_op.drop_column('subject')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('key')
    # A plain DROP COLUMN (SQLite 3.35+, PostgreSQL): a batch copy of `users` would drop the old table, and
    # with foreign keys on, SQLite would delete every row that refers to a user (tokens, reminders...).
    op.execute('ALTER TABLE users DROP COLUMN session_generation')
    op.drop_table('sign_in_failures')
    op.drop_table('audit_log')
