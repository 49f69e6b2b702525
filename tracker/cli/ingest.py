"""`foiltrack ingest [--once]`: the mail worker, or one pass over the mailbox."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("ingest")
@click.option("--once", is_flag=True,
              help="Fetch what is in the mailbox now, deliver it, extract and index every attachment, exit.")
@with_appcontext
def command(once: bool) -> None:
    """Read the campaign mailbox (IMAP_* settings): IDLE and deliver until stopped, or once with --once."""
    from ingest.imap import ImapSettings, MailboxError
    from search.index import IndexBusy
    from tracker.mailroom.pipeline import DeliveryPostponed, ingest_once, run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = ImapSettings.from_config(current_app.config)
    except MailboxError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        if not once:
            from tracker.cli.singletons import hold_lease

            # One mail worker reads the mailbox; a second copy waits as a standby (tracker/leases.py).
            hold_lease("mail")
            run_worker(settings)
            return
        summary = ingest_once(settings)
    except MailboxError as exc:
        raise click.ClickException(str(exc)) from exc
    except IndexBusy as exc:
        raise click.ClickException(
            f"the mail was delivered but the search index is busy ({exc}); run `foiltrack ingest --once` "
            "again, or `foiltrack reindex`") from exc
    except DeliveryPostponed as exc:
        raise click.ClickException(f"{exc}; it stays on the mail server, unflagged, and the next run delivers "
                                   "it once the cause is fixed") from exc
    except OSError as exc:
        where = f"{settings.host}:{settings.port}"
        raise click.ClickException(f"cannot reach the IMAP server {where}: {exc}") from exc
    click.echo(summary.line())
