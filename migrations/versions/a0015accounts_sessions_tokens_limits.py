"""sessions one by one, tokens that expire, one rate limiter

A row per sign-in (its cookies carry the row's key, so signing out ends that browser's cookies and their
copies); API tokens get an expiry and the time their maker's password was last checked; the failed
sign-ins table becomes the table of every rate limit's counted events, by key.

Tokens issued before this migration expire 90 days after it (the default of FOILTRACK_TOKEN_DAYS).
Everyone signs in again: cookies issued before it name no session row.

Revision ID: a0015accounts
Revises: a0013clocks
"""
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = 'a0015accounts'
down_revision = 'a0013clocks'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'user_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('verified_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.Column('user_agent', sa.String(length=300), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=True),
        sa.Column('remember', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
        sa.UniqueConstraint('key_hash', name=op.f('uq_user_sessions_key_hash')),
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)

    # Plain ADD COLUMNs (no batch copy of the table, which SQLite would make by dropping the old one).
    op.add_column('api_tokens', sa.Column('expires_at', sa.DateTime(), nullable=True))
    op.add_column('api_tokens', sa.Column('password_checked_at', sa.DateTime(), nullable=True))
    expires = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=90)
    op.get_bind().execute(sa.text("UPDATE api_tokens SET expires_at = :at WHERE expires_at IS NULL"),
                          {"at": expires})

    op.create_table(
        'rate_limit_hits',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=400), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rate_limit_hits')),
    )
    with op.batch_alter_table('rate_limit_hits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_limit_hits_at'), ['at'], unique=False)
        batch_op.create_index('ix_rate_limit_hits_key', ['key', 'at'], unique=False)
    # Failures counted so far only held people back for an hour at most: they need not be carried over.
    op.drop_table('sign_in_failures')


def downgrade():
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
    op.drop_table('rate_limit_hits')
    op.execute('ALTER TABLE api_tokens DROP COLUMN password_checked_at')
    op.execute('ALTER TABLE api_tokens DROP COLUMN expires_at')
    op.drop_table('user_sessions')
