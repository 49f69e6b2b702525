"""`foiltrack reindex`: rebuild the search index from the database and swap it in atomically."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError


@click.command("reindex")
@click.option("--quiet", is_flag=True, help="No progress bar; print only the final count.")
@with_appcontext
def command(quiet: bool) -> None:
    """Rebuild the search index from every page and message in the database (searches keep working)."""
    from search import IndexBusy
    from tracker.searching.service import reindex

    try:
        count = reindex(progress=not quiet)
    except IndexBusy as exc:
        raise click.ClickException(f"{exc}. Wait for the running rebuild or write, then try again.") from exc
    except SQLAlchemyError as exc:
        raise click.ClickException(f"cannot read the database: {exc}. Is FOILTRACK_DATABASE_URL right, and "
                                   "has `foiltrack db upgrade` been run?") from exc
    except OSError as exc:
        raise click.ClickException(f"cannot write the search index in {current_app.config['INDEX_DIR']}: "
                                   f"{exc}. Check that the folder exists and is writable.") from exc
    from tracker.searching.engines import uses_postgres

    where = "the database (search_pages)" if uses_postgres() else current_app.config["INDEX_DIR"]
    click.echo(f"Indexed {count:,} pages, messages and requests into {where}.")
