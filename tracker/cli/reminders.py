"""`foiltrack reminders`: send the deadline reminders due now (and, with --digest, the weekly digest)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("reminders")
@click.option("--digest", is_flag=True, help="Also send this week's campaign digest to lawyers.")
@with_appcontext
def command(digest: bool) -> None:
    """Email each assignee about deadlines due soon or missed, once each; exit 1 if any send failed."""
    from tracker.notifications.digest import send_digests
    from tracker.notifications.reminders import send_due

    outcomes = send_due()
    if digest:
        outcomes += send_digests()
    for outcome in outcomes:
        click.echo(outcome.line(), err=outcome.state == "failed")
    failed = sum(1 for o in outcomes if o.state == "failed")
    click.echo(f"{len(outcomes) - failed} sent, {failed} failed.")
    if failed:
        raise click.ClickException(f"{failed} reminder(s) could not be sent; they are recorded and will be "
                                   "tried again on the next run. Check the SMTP_* settings.")
