"""`foiltrack reindex`: rebuild the search index from the database and swap it in atomically.

With Whoosh the rebuild runs in a child process that leads its own process group and dies with this
command: the segment writers it forks hold the index's write lock with it, and if the rebuild is
killed (even with ``kill -9``) the next writer finds the lock's recorded holder dead and kills that
group, so the lock is not held by orphans (search.writelock).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError


def _rebuild(progress: bool) -> int:
    """Run the rebuild here; failures become a ClickException saying what to do."""
    from search import IndexBusy
    from tracker.searching.service import reindex

    try:
        return reindex(progress=progress)
    except IndexBusy as exc:
        raise click.ClickException(f"{exc}. Wait for the running rebuild or write, then try again.") from exc
    except SQLAlchemyError as exc:
        from sqlalchemy.exc import DBAPIError

        from tracker.cli.errors import database_error_line

        line = database_error_line(exc, current_app.config["DATABASE_URL"]) if isinstance(exc, DBAPIError) else None
        raise click.ClickException(line or f"cannot read the database: {exc}. Is FOILTRACK_DATABASE_URL right, "
                                           "and has `foiltrack db upgrade` been run?") from exc
    except OSError as exc:
        raise click.ClickException(f"cannot write the search index in {current_app.config['INDEX_DIR']}: "
                                   f"{exc}. Check that the folder exists and is writable.") from exc


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (prctl PR_SET_PDEATHSIG); no-op elsewhere."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG


def rebuild_in_own_group(progress: bool) -> int:
    """Rebuild in a forked child leading its own process group; relay its count or its error."""
    from tracker.extensions import db

    db.engine.dispose()  # the child opens its own connections
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code, answer = 1, {"error": "the rebuild stopped"}
        try:
            os.close(read_end)
            os.setpgid(0, 0)
            _die_with_parent()
            answer, code = {"count": _rebuild(progress)}, 0
        except click.ClickException as exc:
            answer = {"error": exc.format_message()}
        except BaseException as exc:  # noqa: BLE001 - reported to the parent, which fails with it
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            with contextlib.suppress(OSError):
                os.write(write_end, json.dumps(answer).encode())
            os._exit(code)
    os.close(write_end)
    forwarded = {sig: signal.signal(sig, lambda signum, _frame: os.killpg(pid, signum))
                 for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        chunks = []
        while chunk := os.read(read_end, 65536):
            chunks.append(chunk)
        os.waitpid(pid, 0)
    finally:
        os.close(read_end)
        for sig, handler in forwarded.items():
            signal.signal(sig, handler)
    try:
        answer = json.loads(b"".join(chunks) or b"{}")
    except ValueError:
        answer = {}
    if "count" not in answer:
        raise click.ClickException(answer.get("error") or "the rebuild was killed before it finished; "
                                   "the index in use is unchanged. Run `foiltrack reindex` again.")
    return int(answer["count"])


@click.command("reindex")
@click.option("--quiet", is_flag=True, help="No progress bar; print only the final count.")
@with_appcontext
def command(quiet: bool) -> None:
    """Rebuild the search index from every page and message in the database (searches keep working)."""
    from tracker.searching.engines import uses_postgres

    # PostgreSQL: a table swapped in one transaction, so nothing outlives a killed rebuild.
    count = _rebuild(not quiet) if uses_postgres() else rebuild_in_own_group(not quiet)
    where = "the database (search_pages)" if uses_postgres() else current_app.config["INDEX_DIR"]
    click.echo(f"Indexed {count:,} pages, messages and requests into {where}.")
