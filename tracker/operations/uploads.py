"""Documents added by hand: a production downloaded from a portal, a CD, a scanned box, a denial letter.

They take the same path as mail attachments (tracker.operations.documents.add_document): stored once by
content, a zip unpacked into its members, text extracted in the sandbox and indexed after the commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from tracker import permissions
from tracker.extensions import db
from tracker.models import Document, Event, Request
from tracker.models.base import VISIBILITIES
from tracker.operations.documents import add_document
from tracker.operations.errors import Forbidden, Invalid
from tracker.operations.requests import parse_date


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
) -> list[Document]:
    """Add files to a request as released on a date, with a visibility and (optionally) their event.

    Each file is extracted and indexed after the commit, like a mail attachment; nothing is written
    when any argument is refused.
    """
    released, event = check_upload(request, actor, released_on=released_on, visibility=visibility,
                                   event_id=event_id)
    files = list(files)
    if not files:
        raise Invalid("choose at least one file to add", field="file")
    for upload in files:
        if not upload.content:
            raise Invalid(f"the file {upload.filename or '(no name)'} is empty", field="file")
    return [
        add_document(upload.content, upload.filename, request=request, visibility=visibility,
                     released_on=released, event=event, queue_extraction=queue_extraction, actor=actor)
        for upload in files
    ]


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
