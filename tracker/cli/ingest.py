"""`foiltrack ingest [--once]`: the mail worker, or one pass over the mailbox."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("ingest")
@click.option("--once", is_flag=True,
              help="Fetch what is in the mailbox now, deliver it, extract and index every attachment, exit.")
@click.option("--wait", "wait_seconds", type=click.FloatRange(min=0), default=120.0, show_default=True,
              help="With --once, while another process is the search-index writer: seconds to wait for it "
                   "to index this run's mail.")
@with_appcontext
def command(once: bool, wait_seconds: float) -> None:
    """Read the campaign mailbox (IMAP_* settings): IDLE and deliver until stopped, or once with --once."""
    from ingest.imap import ImapSettings, MailboxError
    from search.index import IndexBusy
    from tracker.cli.indexing import index_for_command
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
        reports = []

        def index(document_ids: list[int], message_ids: list[int]) -> int:
            reports.append(index_for_command(document_ids, message_ids, wait_seconds=wait_seconds))
            return reports[-1].searchable_documents

        summary = ingest_once(settings, index=index)
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
        from tracker.cli.errors import os_error_line

        if line := os_error_line(exc):  # a full disk or unwritable folder here, not the network
            raise click.ClickException(line) from exc
        where = f"{settings.host}:{settings.port}"
        raise click.ClickException(f"cannot reach the IMAP server {where}: {exc}") from exc
    click.echo(summary.line())
    waiting = reports[0].queued_keys if reports else set()
    if waiting:
        raise click.ClickException(
            f"the mail is delivered, but the search-index writer has not indexed {len(waiting)} of its pages "
            f"and messages after {wait_seconds:.0f} s; they stay queued and become searchable when it catches "
            "up (is `foiltrack indexer` or `foiltrack serve` running?)")
