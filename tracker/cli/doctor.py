"""`foiltrack doctor`: check this host's settings and what it must reach, and say what to fix."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("doctor")
@with_appcontext
def command() -> None:
    """Check the database, broker, search engine, blob folder, secret key and singletons; exit 1 on a failure."""
    from tracker.doctor import diagnose

    findings = diagnose(current_app)
    for finding in findings:
        click.echo(finding.line())
    failed = [f for f in findings if f.level == "fail"]
    warned = [f for f in findings if f.level == "warn"]
    click.echo(f"{len(failed)} to fix, {len(warned)} to look at, {len(findings) - len(failed) - len(warned)} fine")
    if failed:
        raise SystemExit(1)
