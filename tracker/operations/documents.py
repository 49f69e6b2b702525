"""Documents: files received by email (or uploaded), their text page by page, and who may see them."""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import delete, select

from tracker import permissions
from tracker.dispatch import after_commit
from tracker.extensions import db
from tracker.models import Document, Page
from tracker.models.base import VISIBILITIES
from tracker.models.documents import TEXT_STATUSES
from tracker.operations.errors import Forbidden, Invalid

MESSAGE_TYPES = ("message/rfc822", "message/global", "message/news")

log = logging.getLogger(__name__)


def blob_store():
    """The app's content-addressed blob store (BLOB_DIR)."""
    from ingest.blobs import BlobStore

    return BlobStore(current_app.config["BLOB_DIR"])


def extract_limits():
    """ingest.extract's Limits from the EXTRACT_* and OCR_LANGUAGES settings."""
    from ingest.extract import Limits

    config = current_app.config
    cpu = max(1, int(config["EXTRACT_CPU_SECONDS"]))
    # Wall-clock bound: CPU time plus room for I/O and tesseract start-up, never less than a minute.
    return Limits(
        memory_mb=int(config["EXTRACT_MEMORY_MB"]),
        cpu_seconds=cpu,
        wall_seconds=max(60.0, cpu * 2.5),
        max_pages=int(config["EXTRACT_MAX_PAGES"]),
        ocr_languages=config["OCR_LANGUAGES"] or "eng",
    )


def clean_text(value, limit: int | None = None) -> str:
    """Text safe for every database: no NUL characters or lone surrogates, optionally cut to `limit`."""
    text = str(value or "")
    if "\x00" in text:
        text = text.replace("\x00", "")
    text = text.encode("utf-8", "replace").decode("utf-8")
    return text[:limit] if limit is not None else text


def add_document(
    content: bytes,
    filename: str,
    *,
    message=None,
    request=None,
    parent=None,
    visibility: str = "internal",
    queue_extraction: bool = True,
) -> Document:
    """Store a file once in the blob store and record it as a Document (a zip's members become children)."""
    from ingest.extract import ArchiveRefused, extract_zip_members, safe_member_name, sniff

    if visibility not in VISIBILITIES:
        raise Invalid(f"visibility must be one of {', '.join(VISIBILITIES)}", field="visibility")
    sha = blob_store().put(content)
    name = clean_text(safe_member_name(filename or "attachment"), 500)
    document = Document(
        filename=name,
        media_type=sniff(content, name)[:200],
        size=len(content),
        sha256=sha,
        message_id=getattr(message, "id", None),
        request_id=getattr(request, "id", None),
        parent_id=getattr(parent, "id", None),
        visibility=visibility,
        text_status="pending",
    )
    db.session.add(document)
    db.session.flush()
    if document.media_type == "application/zip":
        try:
            members = extract_zip_members(content, extract_limits())
        except ArchiveRefused as exc:
            # The zip itself stays, with the reason; its extraction will record the same refusal.
            document.text_error = clean_text(f"zip not unpacked: {exc}", 2000)
            members = []
        for member_name, data in members:
            add_document(
                data,
                member_name,
                message=message,
                request=request,
                parent=document,
                visibility=visibility,
                queue_extraction=queue_extraction,
            )
    if queue_extraction:
        after_commit("foiltrack.extract.document", document.id)
    return document


def extract_text(sha256: str, media_type: str):
    """Extract a stored blob's text page by page in the sandbox; an email file is read as its text."""
    from ingest.extract import STATUS_EMPTY, STATUS_FAILED, STATUS_OK, ExtractResult, PageText, extract

    store = blob_store()
    if media_type in MESSAGE_TYPES:
        from ingest.parsing import UnparseableEmail, parse_message

        try:
            parsed = parse_message(store.get(sha256))
        except UnparseableEmail as exc:
            return ExtractResult(status=STATUS_FAILED, error=f"corrupt: {exc}", media_type=media_type)
        head = "\n".join(
            f"{k}: {v}" for k, v in parsed.headers if k.lower() in ("from", "to", "cc", "date", "subject")
        )
        text = f"{head}\n\n{parsed.text}".strip()
        return ExtractResult(
            status=STATUS_OK if parsed.text.strip() else STATUS_EMPTY,
            media_type=media_type,
            page_count=1,
            pages=[PageText(1, text)],
        )
    return extract(store.path(sha256), media_type, limits=extract_limits())


def store_extraction(document: Document, result, *, reindex: bool = True) -> Document:
    """Replace the document's pages with an extraction result and record its status and error."""
    db.session.execute(delete(Page).where(Page.document_id == document.id))
    db.session.expire(document, ["pages"])
    numbers: set[int] = set()
    for page in result.pages:
        if page.number in numbers or page.number < 1:
            continue
        numbers.add(page.number)
        db.session.add(
            Page(document_id=document.id, number=page.number, text=clean_text(page.text), ocr=bool(page.ocr))
        )
    document.page_count = max(int(result.page_count or 0), max(numbers, default=0))
    document.text_status = result.status if result.status in TEXT_STATUSES else "failed"
    error = result.error or ""
    if document.text_error.startswith("zip not unpacked") and not error:
        error = document.text_error
    document.text_error = clean_text(error, 2000)
    db.session.flush()
    if reindex:
        after_commit("foiltrack.index.document", document.id)
    return document


def record_extraction_failure(document: Document, reason: str) -> Document:
    """Mark a document whose extraction could not run (retries exhausted), keeping any pages it has."""
    document.text_status = "failed"
    document.text_error = clean_text(f"extraction did not run: {reason}", 2000)
    db.session.flush()
    return document


def set_visibility(document: Document, visibility: str, actor) -> Document:
    """Make a document public, internal or privileged (lawyers and admins); re-indexed after commit."""
    if actor is not None and not permissions.can(actor, "document.set_visibility"):
        raise Forbidden("only lawyers and admins may change who can see a document")
    if visibility not in VISIBILITIES:
        raise Invalid(f"visibility must be one of {', '.join(VISIBILITIES)}", field="visibility")
    # A zip's file holds its members' bytes, so a container is never easier to see than what it holds:
    # the change reaches every member, and a container less restricted than the new value is raised to it.
    rank = VISIBILITIES.index
    affected = [document, *_members(document)]
    affected += [c for c in _containers(document) if rank(c.visibility) < rank(visibility)]
    changed_ids = []
    for changed in affected:
        if changed.visibility != visibility:
            changed.visibility = visibility
            changed_ids.append(changed.id)
    db.session.flush()
    if changed_ids:
        # Who may find a page changes before the answer, not when the index worker gets to it.
        after_commit("foiltrack.index.now", changed_ids, here=True)
    return document


def reindex_now(document_ids: list[int]) -> None:
    """Re-index these documents before answering: who may find a page must change at once, not when the
    index worker gets to it. If the index is busy (a rebuild holds it), the single writer does it next."""
    from search.index import IndexBusy
    from tracker.searching import service

    try:
        service.index_documents_now(document_ids)
    except IndexBusy:
        log.warning("search index busy: documents %s re-indexed by the index worker instead", document_ids)
        for document_id in document_ids:
            service.queue_document(document_id)


def _members(document: Document) -> list[Document]:
    """Every document unpacked from this one (a zip's members, and theirs)."""
    found, frontier = [], [document.id]
    while frontier:
        children = db.session.scalars(select(Document).where(Document.parent_id.in_(frontier))).all()
        found += children
        frontier = [c.id for c in children]
    return found


def _containers(document: Document) -> list[Document]:
    """The documents this one was unpacked from, innermost first."""
    found, parent_id = [], document.parent_id
    while parent_id is not None:
        parent = db.session.get(Document, parent_id)
        if parent is None:
            break
        found.append(parent)
        parent_id = parent.parent_id
    return found
