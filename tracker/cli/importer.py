"""`foiltrack import REFERENCE PATH…`: add a production (a folder, a zip, files) to a request.

For productions of thousands of pages downloaded from a portal or copied from a CD. The files take the
mail attachments' path (stored once by content, zips unpacked, text extracted in the sandbox) and are
indexed before the command ends (by this command, or by the running index writer it waits for: see
tracker/cli/indexing.py), and it says which are not searchable yet. Progress is shown with tqdm; each
file is committed on its own, and a file already added to the request is skipped while files an earlier
run stored but did not extract are extracted, so an interrupted import (a kill, a full disk) is finished
by running the same command again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

# Documents indexed per write: big enough to be quick, small enough to show progress.
INDEX_BATCH = 25


def production_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Every file under the given paths (folders walked in name order; hidden files left out)."""
    for path in paths:
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                relative = found.relative_to(path)
                if found.is_file() and not any(part.startswith(".") for part in relative.parts):
                    yield found
        else:
            yield path


def _find_request(reference: str):
    from tracker.extensions import db
    from tracker.models import Request, TrackingNumber

    found = db.session.scalar(select(Request).where(Request.reference == reference.strip().upper()))
    if found is None:
        number = select(TrackingNumber.request_id).where(TrackingNumber.number == reference.strip())
        found = db.session.scalar(select(Request).where(Request.id.in_(number)))
    if found is None:
        raise click.ClickException(f"there is no request with the reference or tracking number {reference!r}")
    return found


def _actor(email: str | None):
    if not email:
        return None
    from tracker.extensions import db
    from tracker.models import User

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"there is no user {email!r}")
    return user


@click.command("import")
@click.argument("reference")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--released-on", help="The date the agency released the records (YYYY-MM-DD); default today.")
@click.option("--visibility", type=click.Choice(["public", "internal", "privileged"]), default="internal",
              show_default=True, help="Who may see the documents.")
@click.option("--event-id", type=int, help="The timeline event they came with (records released, a denial).")
@click.option("--as", "as_email", metavar="EMAIL", help="Record the import as this user's (their role applies).")
@click.option("--quiet", is_flag=True, help="No progress bars; print only the summary.")
@with_appcontext
def command(reference, paths, released_on, visibility, event_id, as_email, quiet) -> None:
    """Add the files at PATH… (folders, zips, single files) to the request REFERENCE, extract and index them."""
    from tqdm import tqdm

    from tracker.clock import legal_today
    from tracker.dispatch import commit, rollback
    from tracker.operations import OperationError
    from tracker.operations.uploads import check_upload

    request = _find_request(reference)
    actor = _actor(as_email)
    try:
        check_upload(request, actor, released_on=released_on or legal_today(), visibility=visibility,
                     event_id=event_id)
    except OperationError as exc:
        raise click.ClickException(exc.message) from None
    request_id, label = request.id, f"{request.reference} {request.title}"
    files = list(production_files(paths))
    rollback()
    if not files:
        raise click.ClickException("no files found under " + ", ".join(str(p) for p in paths))

    added, skipped = _store(request_id, files, actor, released_on or legal_today(), visibility, event_id,
                            tqdm, quiet)
    # Files an interrupted run stored but did not extract (a full disk, a kill) are finished now.
    added += [i for i in _unfinished(request_id) if i not in added]
    pages, failed, documents, waiting = _extract_and_index(added, tqdm, quiet)
    commit()
    searchable = ("now searchable" if not waiting else
                  f"{documents - waiting:,} documents searchable now and {waiting:,} queued for the search-index "
                  "writer (searchable when it catches up)")
    click.echo(f"Imported {len(files) - len(skipped):,} of {len(files):,} files into {label}: "
               f"{documents:,} documents, {pages:,} pages of text, {searchable}.")
    if skipped:
        click.echo(f"Skipped {len(skipped):,} already on this request: " + ", ".join(skipped[:5])
                   + (" …" if len(skipped) > 5 else ""))
    if failed:
        click.echo(f"{len(failed):,} documents have no text (see each document's extraction error): "
                   + ", ".join(failed[:5]) + (" …" if len(failed) > 5 else ""))


def _store(request_id, files, actor, released_on, visibility, event_id, tqdm, quiet):
    """Store each file (one commit each); return the new documents' ids (zip members too) and skips.

    A file the disk cannot take stops the import with one line: the files before it stay stored and
    committed, that file leaves nothing behind (its rows are rolled back, its blob was never installed).
    """
    from tracker.cli.errors import os_error_line
    from tracker.dispatch import rollback
    from tracker.operations.uploads import StorageFull, StorageUnwritable

    added: list[int] = []
    skipped: list[str] = []
    total_bytes = sum(f.stat().st_size for f in files)
    with tqdm(total=total_bytes, unit="B", unit_scale=True, desc="Storing", disable=quiet) as bar:
        for number, path in enumerate(files, start=1):
            try:
                _store_one(path, request_id, actor, released_on, visibility, event_id, added, skipped)
            except (OSError, StorageFull, StorageUnwritable) as exc:
                cause = exc if isinstance(exc, OSError) else exc.__cause__
                line = os_error_line(cause) if isinstance(cause, OSError) else None
                if line is None:
                    raise
                rollback()
                raise click.ClickException(
                    f"stopped at {path} (file {number} of {len(files)}): {line} The {number - 1} files before "
                    "it are stored; running the same command again skips them and imports the rest.") from exc
            bar.update(path.stat().st_size)
    return added, skipped


def _store_one(path, request_id, actor, released_on, visibility, event_id, added, skipped) -> None:
    """Store one file as a document of the request (one commit), or note it as already there."""
    from tracker.dispatch import commit
    from tracker.extensions import db
    from tracker.models import Request
    from tracker.operations.uploads import Upload, add_documents, held_by_request

    content = path.read_bytes()
    request = db.session.get(Request, request_id)
    if held_by_request(request, content) is not None:
        skipped.append(path.name)
        return
    documents = add_documents(request, [Upload(path.name, content)], actor, released_on=released_on,
                              visibility=visibility, event_id=event_id, queue_extraction=False)
    db.session.flush()
    added += [d.id for d in documents]
    commit()


def _unfinished(request_id: int) -> list[int]:
    """The request's uploaded documents still waiting for extraction (an earlier run was interrupted)."""
    from tracker.extensions import db
    from tracker.models import Document

    return list(db.session.scalars(select(Document.id).where(
        Document.request_id == request_id, Document.message_id.is_(None), Document.parent_id.is_(None),
        Document.text_status == "pending").order_by(Document.id)))


def _extract_and_index(document_ids: list[int], tqdm, quiet) -> tuple[int, list[str], int, int]:
    """Extract each document (and a zip's members) in the sandbox, committing each and indexing in batches;
    returns the pages read, the documents that gave no text, how many documents there were, and how many
    are still queued for the search-index writer."""
    from search.index import IndexBusy
    from tracker.cli.indexing import index_for_command
    from tracker.dispatch import commit, rollback
    from tracker.extensions import db
    from tracker.models import Document
    from tracker.operations.documents import archive_budget, extract_text, store_extraction
    from tracker.searching import service

    pages, failed, batch, waiting = 0, [], [], set()

    def flush_index():
        # Written here when the index writer's lease is free; else queued for the running writer.
        try:
            waiting.update(index_for_command(batch, wait_seconds=0, progress=False).waiting_documents)
        except IndexBusy:
            for document_id in batch:
                service.queue_document(document_id)
            waiting.update(batch)
        batch.clear()

    queue = list(document_ids)
    with tqdm(total=len(queue), unit=" files", desc="Extracting", disable=quiet) as bar:
        while queue:
            document_id = queue.pop(0)
            document = db.session.get(Document, document_id)
            sha, media_type, budget = document.sha256, document.media_type, archive_budget(document)
            rollback()  # hold no transaction while the sandbox works
            result = extract_text(sha, media_type, budget=budget)
            document = db.session.get(Document, document_id)
            store_extraction(document, result, reindex=False)
            if document.text_status in ("failed", "unsupported", "encrypted"):
                failed.append(document.filename)
            pages += len(result.pages)
            # A zip's members were recorded by its extraction: they are extracted next, in the same run.
            members = list(db.session.scalars(select(Document.id).where(Document.parent_id == document_id)
                                              .order_by(Document.id)))
            commit()
            queue += members
            bar.total += len(members)
            batch.append(document_id)
            if len(batch) >= INDEX_BATCH:
                flush_index()
            bar.set_postfix(pages=f"{pages:,}")
            bar.update(1)
    if batch:
        flush_index()
    if waiting:  # give the running writer a moment to catch up before saying what is searchable
        from tracker.cli.indexing import wait_for_documents

        waiting = wait_for_documents(waiting, wait_seconds=60, progress=not quiet)
    return pages, failed, bar.total, len(waiting)
