"""phrase bigrams in the PostgreSQL search table (issue 13)

Rows written from now on hold their word pairs as lexemes (search.pg_query). An empty table (a new
install) is marked as holding them at once; a table with rows keeps its old rows and is searched the old
way until `foiltrack reindex` rebuilds it (the rebuild marks it; `foiltrack doctor` says so meanwhile).

Revision ID: a0011bigrams
Revises: a0010deploy
"""
from alembic import op
import sqlalchemy as sa


revision = 'a0011bigrams'
down_revision = 'a0010deploy'
branch_labels = None
depends_on = None

MARK = "foiltrack: phrase bigrams v1"  # search.pg_query.BIGRAM_MARK at the time of this migration


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    if bind.execute(sa.text("SELECT NOT EXISTS (SELECT 1 FROM search_pages)")).scalar():
        op.execute(f"COMMENT ON TABLE search_pages IS '{MARK}'")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("COMMENT ON TABLE search_pages IS NULL")
