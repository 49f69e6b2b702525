"""Documents added by hand: a production downloaded from a portal, a CD, a scanned box, a denial letter.

They take the same path as mail attachments (tracker.operations.documents.add_document): stored once by
content, a zip unpacked into its members, text extracted in the sandbox and indexed after the commit.
"""

from __future__ import annotations

import errno
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from tracker import audit, permissions
from tracker.extensions import db
from tracker.models import Document, Event, Request
from tracker.models.audit import AuditEntry
from tracker.models.base import VISIBILITIES
from tracker.operations.documents import add_document
from tracker.operations.errors import Forbidden, Invalid, OperationError
from tracker.operations.requests import parse_date

# A drop-zone batch id: what the browser makes up for the files it sends together, one per call.
BATCH_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
BATCH_ACTION = "document.batch"


class BatchBudgetSpent(OperationError):
    """The files already sent in this batch unpacked to the whole archive budget: no more in this batch."""

    status = 413
    code = "batch_budget_spent"


class StorageFull(OperationError):
    """The document store's disk is full: nothing of the upload was added."""

    status = 507  # Insufficient Storage (RFC 4918)
    code = "storage_full"


class StorageUnwritable(OperationError):
    """The document store's folder cannot be written (read-only, or not ours): nothing was added."""

    status = 503
    code = "storage_unwritable"


def storage_error(exc: OSError, filename: str) -> OperationError | None:
    """The error to answer for a blob store write that failed, or None when it is not the disk's fault."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return StorageFull(f"The document store is full, so {filename} was not added (nothing of it was kept). "
                           "Ask the administrator to free space on the disk holding the documents, then add "
                           "it again.", field="file")
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return StorageUnwritable(f"The document store cannot be written ({exc.strerror}), so {filename} was "
                                 "not added. Ask the administrator to make the documents folder writable, "
                                 "then add it again.", field="file")
    return None


@dataclass(frozen=True)
class Upload:
    """One file as received: the name it had and its bytes."""

    filename: str
    content: bytes


def check_upload(request: Request, actor, *, released_on, visibility: str, event_id=None) -> tuple[date, Event | None]:
    """The release date and event of an upload, checked; refuses what the actor may not do."""
    if actor is not None and not permissions.can(actor, "document.upload"):
        raise Forbidden(f"a {actor.role} may not add documents")
    if visibility not in VISIBILITIES:
        raise Invalid(f"visibility must be one of {', '.join(VISIBILITIES)}", field="visibility")
    if actor is not None and visibility != "internal" and not permissions.can(actor, "document.set_visibility"):
        raise Forbidden("only lawyers and admins may add documents as public or privileged; add them as internal")
    released = parse_date(released_on, "released_on")
    event = None
    if event_id not in (None, ""):
        try:
            number = int(event_id)
        except (TypeError, ValueError):
            raise Invalid("event_id must be the id of an event on this request's timeline",
                          field="event_id") from None
        event = db.session.get(Event, number) if 0 < number < 2**31 else None
        if event is None or event.request_id != request.id:
            raise Invalid(f"there is no event {event_id} on the timeline of {request.reference}", field="event_id")
    return released, event


def add_documents(
    request: Request,
    files: Iterable[Upload],
    actor,
    *,
    released_on,
    visibility: str = "internal",
    event_id=None,
    queue_extraction: bool = True,
    batch: str | None = None,
) -> list[Document]:
    """Add files to a request as released on a date, with a visibility and (optionally) their event.

    Each file is extracted and indexed after the commit, like a mail attachment; nothing is written
    when any argument is refused. Files sent with the same `batch` id (the drop zone sends one file per
    call) share one budget for what their archives unpack, as one email's attachments do.
    """
    released, event = check_upload(request, actor, released_on=released_on, visibility=visibility,
                                   event_id=event_id)
    if batch is not None:
        _check_batch(request, batch)
    files = list(files)
    if not files:
        raise Invalid("choose at least one file to add", field="file")
    for upload in files:
        if not upload.content:
            raise Invalid(f"the file {upload.filename or '(no name)'} is empty", field="file")
    added = []
    for upload in files:
        try:
            document = add_document(upload.content, upload.filename, request=request, visibility=visibility,
                                    released_on=released, event=event, queue_extraction=queue_extraction,
                                    actor=actor)
        except OSError as exc:
            # The caller's unit of work rolls back every row of this call; the blob store keeps no partial file.
            refused = storage_error(exc, upload.filename or "the file")
            if refused is None:
                raise
            raise refused from exc
        if batch is not None:
            audit.record(actor, BATCH_ACTION, document, request=request, changes={"batch": batch},
                         summary=_batch_label(batch))
        added.append(document)
    return added


def _batch_label(batch: str) -> str:
    return f"uploaded in batch {batch}"


def _check_batch(request: Request, batch: str) -> None:
    """Refuse a malformed batch id, or a batch whose archives have already unpacked its whole budget."""
    from tracker.operations.documents import extract_limits

    if not BATCH_ID.fullmatch(batch):
        raise Invalid("batch must be 8 to 64 letters, digits, '-' or '_'", field="batch")
    limits = extract_limits()
    used_bytes, used_members = _unpacked_by(_batch_documents(request.id, batch))
    if used_bytes >= limits.zip_max_total_mb << 20 or used_members >= limits.zip_max_members:
        raise BatchBudgetSpent(
            f"The files already added in this upload unpacked to {used_bytes / (1 << 20):.1f} MB "
            f"({used_members} files), the most one upload may unpack ({limits.zip_max_total_mb} MB, "
            f"{limits.zip_max_members} files). Add the rest in a new upload.", field="file")


def _batch_documents(request_id: int, batch: str) -> list[int]:
    return list(db.session.scalars(db.select(AuditEntry.subject_id).where(
        AuditEntry.request_id == request_id, AuditEntry.action == BATCH_ACTION,
        AuditEntry.summary == _batch_label(batch))))


def _unpacked_by(document_ids: list[int]) -> tuple[int, int]:
    """Bytes and files unpacked from these documents' archives, at every nesting level."""
    used_bytes = used_members = 0
    parents = list(document_ids)
    while parents:
        rows = db.session.execute(db.select(Document.id, Document.size).where(Document.parent_id.in_(parents))).all()
        used_bytes += sum(size or 0 for _id, size in rows)
        used_members += len(rows)
        parents = [row_id for row_id, _size in rows]
    return used_bytes, used_members


def batch_unpacked(document: Document) -> tuple[int, int]:
    """Bytes and files the other archives of `document`'s upload batch unpacked; (0, 0) when it came alone."""
    label = db.session.scalar(db.select(AuditEntry.summary).where(
        AuditEntry.action == BATCH_ACTION, AuditEntry.subject_type == "documents",
        AuditEntry.subject_id == document.id).limit(1))
    if not label or document.request_id is None:
        return 0, 0
    siblings = db.session.scalars(db.select(AuditEntry.subject_id).where(
        AuditEntry.request_id == document.request_id, AuditEntry.action == BATCH_ACTION,
        AuditEntry.summary == label))
    return _unpacked_by([i for i in siblings if i != document.id])


def held_by_request(request: Request, content: bytes) -> Document | None:
    """The document already added by hand to the request with exactly these bytes, if there is one."""
    return db.session.scalar(db.select(Document).where(
        Document.request_id == request.id, Document.message_id.is_(None), Document.parent_id.is_(None),
        Document.sha256 == hashlib.sha256(content).hexdigest()).limit(1))


def production_documents(document: Document) -> list[Document]:
    """The documents added with `document`: same request, same event and release date (one production)."""
    if document.request_id is None or document.message_id is not None:
        return [document]
    query = db.select(Document).where(
        Document.request_id == document.request_id,
        Document.message_id.is_(None),
        Document.released_on == document.released_on if document.released_on else Document.released_on.is_(None),
        Document.event_id == document.event_id if document.event_id else Document.event_id.is_(None),
    ).order_by(Document.id)
    return list(db.session.scalars(query))
