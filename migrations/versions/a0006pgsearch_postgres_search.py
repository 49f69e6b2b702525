"""PostgreSQL full-text search engine

The table the PostgreSQL search engine (search.pg_engine) reads and writes: one row per indexed page,
message body or request, its text as stored for snippets, a tsvector of its words and label lexemes,
and the columns that filters and facets read. PostgreSQL only: on SQLite the Whoosh engine is the only
one, and this revision changes nothing.

The tsvector is indexed with GIN, PostgreSQL's own. With FOILTRACK_SEARCH_RUM on (and Debian's
postgresql-15-rum on the server) it is indexed with RUM instead: RUM keeps word positions and ranks
inside the index, so the top hits of a common word or a phrase come without reading every match's
tsvector from the table (measured: see search.pg_engine). RUM is not the default because after a crash
restart of the server, inserts into a RUM index were seen spinning at full CPU, deaf to cancellation
(the deployment test; postgrespro/rum#184 reports the same under concurrent writes). The
text and tsvector are moved out of the table's rows (toast_tuple_target), so counting and faceting
the matches reads narrow rows.

Revision ID: a0006pgsearch
Revises: a0005search
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = 'a0006pgsearch'
down_revision = 'a0005search'
branch_labels = None
depends_on = None


def _rum_wanted() -> bool:
    """FOILTRACK_SEARCH_RUM, from the app's settings (or the environment, when run outside the app)."""
    import os

    from flask import current_app, has_app_context

    if has_app_context():
        return bool(current_app.config.get("SEARCH_RUM"))
    return os.environ.get("FOILTRACK_SEARCH_RUM", "").strip().lower() in ("1", "true", "yes", "on")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_table(
        "search_pages",
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("tsv", postgresql.TSVECTOR(), nullable=False),
        sa.Column("request_id", sa.Integer()),
        sa.Column("agency_id", sa.Integer()),
        sa.Column("agency", sa.Text()),
        sa.Column("campaign_id", sa.Integer()),
        sa.Column("campaign", sa.Text()),
        sa.Column("document_id", sa.Integer()),
        sa.Column("filename", sa.Text(), nullable=False, server_default=""),
        sa.Column("page", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("released_on", sa.Date()),
        sa.Column("year", sa.SmallInteger()),
        sa.Column("media_type", sa.Text()),
        sa.Column("visibility", sa.String(20), nullable=False),
        sa.Column("ocr", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.CheckConstraint("visibility IN ('public', 'internal', 'privileged')",
                           name="ck_search_pages_visibility"),
    )
    # Rows stay narrow (the text and the tsvector live out of line), but the short labels that facets
    # group by are never compressed or moved out (measured: 5x slower facet counts when they were).
    op.execute("ALTER TABLE search_pages SET (toast_tuple_target = 128)")
    op.execute("ALTER TABLE search_pages " + ", ".join(
        f"ALTER COLUMN {column} SET STORAGE PLAIN"
        for column in ("key", "kind", "agency", "campaign", "media_type", "visibility")
    ) + ", ALTER COLUMN filename SET STORAGE MAIN")
    bind = op.get_bind()
    rum = _rum_wanted() and bind.execute(
        sa.text("SELECT count(*) FROM pg_available_extensions WHERE name = 'rum'")).scalar()
    if rum:
        op.execute("CREATE EXTENSION IF NOT EXISTS rum")
        op.execute("CREATE INDEX ix_search_pages_tsv ON search_pages USING rum (tsv rum_tsvector_ops)")
    else:
        op.create_index("ix_search_pages_tsv", "search_pages", ["tsv"], postgresql_using="gin")
    op.create_index("ix_search_pages_document_id", "search_pages", ["document_id"])
    op.create_index("ix_search_pages_request_id", "search_pages", ["request_id"])
    op.create_index("ix_search_pages_released_on", "search_pages", ["released_on"])


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_table("search_pages")
