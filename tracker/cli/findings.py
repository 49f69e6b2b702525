"""`foiltrack findings import`: add a file of findings (CSV or GeoJSON points) to a campaign, as one batch."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

import click
from tqdm import tqdm

from tracker.finding_files import BadFile, read_findings
from tracker.models.findings import FINDING_KINDS
from tracker.operations import OperationError
from tracker.operations.campaigns import campaign_by_slug
from tracker.operations.findings import import_findings, place_rows


@click.group("findings")
def command():
    """What the records say, placed on the map."""


@command.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--campaign", "slug", required=True, help="The campaign's slug (the address of its public pages).")
@click.option("--source", required=True, help="Where the findings come from: a citation shown with each one.")
@click.option("--kind", type=click.Choice(FINDING_KINDS), default=None,
              help="The kind of the lines that name none in a kind column.")
@click.option("--dry-run", is_flag=True, help="Check and place every line, then import nothing.")
def import_command(file: Path, slug: str, source: str, kind: str | None, dry_run: bool) -> None:
    """Import FILE: CSV with latitude and longitude (or nta_code) and kind columns, or GeoJSON points.

    Each finding is placed in its 2020 neighborhood; a file with a bad line imports nothing and names the
    line. The batch stays unverified (and private) until a lawyer verifies it.
    """
    campaign = campaign_by_slug(slug)
    if campaign is None:
        raise click.ClickException(f"there is no campaign with the slug {slug!r}")
    try:
        rows = read_findings(file, kind)
    except BadFile as exc:
        shown = exc.problems[:20]
        more = f"\n... and {len(exc.problems) - 20} more" if len(exc.problems) > 20 else ""
        message = f"{file.name}: nothing imported; fix these lines:\n" + "\n".join(shown) + more
        raise click.ClickException(message) from None
    if not source.strip():
        raise click.ClickException("--source must say where the findings come from")
    try:
        with tqdm(total=len(rows), desc="placing findings", unit="finding", file=sys.stderr,
                  mininterval=0.2) as bar:
            codes = place_rows(rows, progress=bar.update)
    except OperationError as exc:
        raise click.ClickException(f"{file.name}: nothing imported; {exc.message}") from None
    places = len(set(codes))
    if dry_run:
        click.echo(f"Dry run: {len(rows)} findings would be imported into {places} neighborhoods; "
                   "nothing was imported.")
        return
    batch = secrets.token_hex(4)
    import_findings(None, campaign, rows, codes, source=source, batch=batch)
    click.echo(f"Imported {len(rows)} findings into {places} neighborhoods as batch {batch} "
               f"(unverified: a lawyer verifies the batch before the public sees it).")
