"""phrase bigrams in the PostgreSQL search table

A column of each row's word pairs, under its own GIN index (search.pg_query). An empty table (a new
install) is marked as holding them at once; a table with rows keeps its old rows and is searched by
positions alone until `foiltrack reindex` rebuilds it (the rebuild marks it; `foiltrack doctor` says so
meanwhile).

Revision ID: a0011bigrams
Revises: a0010deploy
"""
import sqlalchemy as sa
from alembic import op

revision = 'a0011bigrams'
down_revision = 'a0010deploy'
branch_labels = None
depends_on = None

MARK = "foiltrack: phrase bigrams v1"  # search.pg_query.BIGRAM_MARK at the time of this migration


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE search_pages ADD COLUMN pairs tsvector NOT NULL DEFAULT ''")
    op.create_index("ix_search_pages_pairs", "search_pages", ["pairs"], postgresql_using="gin")
    if bind.execute(sa.text("SELECT NOT EXISTS (SELECT 1 FROM search_pages)")).scalar():
        op.execute(f"COMMENT ON TABLE search_pages IS '{MARK}'")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("COMMENT ON TABLE search_pages IS NULL")
    op.drop_index("ix_search_pages_pairs", table_name="search_pages")
    op.drop_column("search_pages", "pairs")
