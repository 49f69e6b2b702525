"""Alembic environment: runs migrations against the app's database (Flask-Migrate provides the app)."""

from __future__ import annotations

import logging

from alembic import context
from flask import current_app

log = logging.getLogger("alembic.env")


def _metadata():
    return current_app.extensions["migrate"].db.metadata


def _url() -> str:
    # Percent signs would be read as interpolation by Alembic's config parser.
    return current_app.config["SQLALCHEMY_DATABASE_URI"].replace("%", "%%")


def _skip_empty(context_, revision, directives) -> None:
    # `foiltrack db migrate` with no model change writes no empty revision.
    if getattr(context_.config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        log.info("No changes in the models; no migration written.")


def run_offline() -> None:
    """Write the SQL to standard output instead of running it."""
    context.configure(url=_url(), target_metadata=_metadata(), literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Run the migrations on a live connection."""
    engine = current_app.extensions["migrate"].db.engine
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=_metadata(),
            process_revision_directives=_skip_empty,
            render_as_batch=True,  # SQLite alters tables by copying them.
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
