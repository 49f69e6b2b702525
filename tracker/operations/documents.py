"""Documents: files received by email (or uploaded), their text page by page, and who may see them."""

from __future__ import annotations

import logging
import re

from flask import current_app
from sqlalchemy import delete, func, or_, select

from tracker import audit, permissions
from tracker.dispatch import after_commit
from tracker.extensions import db
from tracker.models import Document, Page
from tracker.models.base import VISIBILITIES
from tracker.models.documents import REDACTION_DECISIONS, TEXT_STATUSES
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
        workers=max(1, int(config["EXTRACT_WORKERS"])),
        child_documents=max(1, int(config["EXTRACT_CHILD_DOCUMENTS"])),
        zip_max_total_mb=max(1, int(config["EXTRACT_ARCHIVE_MB"])),
        zip_max_members=max(1, int(config["EXTRACT_ARCHIVE_MEMBERS"])),
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
    released_on=None,
    event=None,
    actor=None,
) -> Document:
    """Store a file once in the blob store and record it as a Document.

    A zip is only stored here: its extraction unpacks it in the sandbox and records its members as
    documents of their own (see store_extraction), so the delivering process never inflates anything.
    """
    from ingest.extract import safe_member_name, sniff

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
        released_on=released_on,
        event_id=getattr(event, "id", None),
    )
    db.session.add(document)
    db.session.flush()
    audit.record(actor, "document.add", document, request=request or getattr(message, "request_id", None),
                 changes={"filename": name, "sha256": sha, "visibility": visibility, "message": document.message_id,
                          "parent": document.parent_id})
    if queue_extraction:
        after_commit("foiltrack.extract.document", document.id)
    return document


def archive_budget(document: Document):
    """What this document's archive may still unpack: one budget per email, shared by all its zips.

    The members already unpacked from the same email's other archives (at every nesting level: they are
    all recorded) are taken off the EXTRACT limits; so are those of the other archives uploaded in the
    same batch; a file uploaded on its own has the whole budget.
    """
    from ingest.extract import ArchiveBudget

    budget = ArchiveBudget.from_limits(extract_limits())
    if document.message_id is None:
        from tracker.operations.uploads import batch_unpacked

        # Files uploaded together (one drop-zone batch) share one budget, as an email's attachments do.
        used_bytes, used_members = batch_unpacked(document)
        return ArchiveBudget(budget.bytes_left - used_bytes, budget.members_left - used_members)
    used_bytes, used_members = db.session.execute(
        select(func.coalesce(func.sum(Document.size), 0), func.count(Document.id)).where(
            Document.message_id == document.message_id, Document.parent_id.is_not(None)
        )
    ).one()
    return ArchiveBudget(budget.bytes_left - int(used_bytes), budget.members_left - int(used_members))


def extract_text(sha256: str, media_type: str, *, budget=None):
    """Extract a stored blob's text page by page in the sandbox; an email file is read as its text.

    A zip is unpacked by the sandboxed child under ``budget`` (see archive_budget); its members are in
    the blob store when this returns, listed in the result's ``members``.
    """
    from ingest.extract import STATUS_EMPTY, STATUS_FAILED, STATUS_OK, ExtractResult, PageText, extract

    store = blob_store()
    if media_type == "application/zip":
        return _unpack(store, sha256, budget)
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


def _unpack(store, sha256: str, budget):
    """Unpack a stored zip in the sandbox into a folder beside the blobs, then move its members in."""
    import tempfile

    from ingest.extract import ExtractResult, extract

    staging = store.root / "tmp"
    staging.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=staging, prefix="unpack-") as folder:
        result = extract(store.path(sha256), "application/zip", limits=extract_limits(), unpack_dir=folder,
                         archive_budget=budget)  # fmt: skip
        # The child named each file by its hash; adopting re-hashes it, so a lying child cannot store
        # bytes under another file's hash. Members with the same bytes share one file.
        adopted: dict[str, str] = {}
        for member in result.members:
            if not re.fullmatch(r"[0-9a-f]{64}", member.sha256):
                return ExtractResult(status="failed", media_type="application/zip",
                                     error=f"crashed (the extraction child named a member {member.sha256[:80]!r})")
            if member.sha256 not in adopted:
                adopted[member.sha256] = store.adopt(f"{folder}/{member.sha256}")
            member.sha256 = adopted[member.sha256]
    return result


def store_extraction(document: Document, result, *, reindex: bool = True) -> Document:
    """Replace the document's pages with an extraction result and record its status and error.

    An archive's members (already in the blob store) become documents of their own, children of this
    one, queued for extraction when ``reindex`` (the queued mode) is on.
    """
    db.session.execute(delete(Page).where(Page.document_id == document.id))
    db.session.expire(document, ["pages"])
    numbers: set[int] = set()
    for page in result.pages:
        if page.number in numbers or page.number < 1:
            continue
        numbers.add(page.number)
        db.session.add(Page(
            document_id=document.id, number=page.number, text=clean_text(page.text), ocr=bool(page.ocr),
            redacted_share=min(1.0, max(0.0, float(getattr(page, "redacted_share", 0.0) or 0.0))),
            area=max(0.0, float(getattr(page, "page_area", 0.0) or 0.0)),
            withheld_in_full=bool(getattr(page, "withheld_in_full", False)),
            failed_redaction=bool(getattr(page, "failed_redaction", False)),
            text_under_redaction=clean_text(getattr(page, "hidden_text", "")),
        ))
    document.page_count = max(int(result.page_count or 0), max(numbers, default=0))
    document.text_status = result.status if result.status in TEXT_STATUSES else "failed"
    document.text_error = clean_text(result.error or "", 2000)
    members = [_add_member(document, member) for member in getattr(result, "members", None) or []]
    db.session.flush()
    failed = sorted(p.number for p in result.pages if getattr(p, "failed_redaction", False))
    audit.record(audit.SYSTEM, "document.extract", document,
                 changes={"text_status": document.text_status, "pages": document.page_count,
                          "error": document.text_error, "members": len(members),
                          "failed_redaction_pages": failed})
    if reindex:
        after_commit("foiltrack.index.document", document.id)
        for member in members:
            after_commit("foiltrack.extract.document", member.id)
    return document


def _add_member(archive: Document, member) -> Document:
    """Record one file unpacked from ``archive`` (stored already) as a pending document."""
    document = Document(
        filename=clean_text(member.name, 500),
        media_type=clean_text(member.media_type, 200),
        size=member.size,
        sha256=member.sha256,
        message_id=archive.message_id,
        request_id=archive.request_id,
        parent_id=archive.id,
        visibility=archive.visibility,
        text_status="pending",
        released_on=archive.released_on,
        event_id=archive.event_id,
    )
    db.session.add(document)
    return document


def record_extraction_failure(document: Document, reason: str) -> Document:
    """Mark a document whose extraction could not run (retries exhausted), keeping any pages it has."""
    document.text_status = "failed"
    document.text_error = clean_text(f"extraction did not run: {reason}", 2000)
    db.session.flush()
    audit.record(audit.SYSTEM, "document.extract_failed", document, changes={"error": document.text_error})
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
            audit.record(actor, "document.visibility", changed,
                         changes={"visibility": {"before": changed.visibility, "after": visibility}})
            changed.visibility = visibility
            changed_ids.append(changed.id)
    db.session.flush()
    if changed_ids:
        # The index worker re-indexes them; until it has, searches check each hit's document against
        # the database before answering (tracker.searching.engines), so hiding takes effect at once.
        for document_id in changed_ids:
            after_commit("foiltrack.index.document", document_id)
    return document


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


# -- failed redactions --------------------------------------------------------------------------------


def any_held_back(document: Document) -> bool:
    """Whether some page of the document is held back for a failed redaction no lawyer has released."""
    return db.session.scalar(select(func.count(Page.id)).where(
        Page.document_id == document.id, Page.failed_redaction.is_(True),
        or_(Page.redaction_decision.is_(None), Page.redaction_decision != "release"))) > 0


def decide_failed_redaction(page: Page, decision: str, actor) -> Page:
    """A lawyer's decision on a page whose redaction failed: ``keep_hidden`` (out of public view and
    search) or ``release`` (the text outside the boxes becomes as visible as its document; the text
    under them never is). Audited; the page is re-indexed after commit."""
    if not permissions.can_read_under_redaction(actor):
        raise Forbidden("only lawyers and admins decide what happens to a page with a failed redaction")
    if decision not in REDACTION_DECISIONS:
        raise Invalid(f"decision must be one of {', '.join(REDACTION_DECISIONS)}", field="decision")
    if not page.failed_redaction:
        raise Invalid(f"page {page.number} has no failed redaction to decide on", field="decision")
    before = page.redaction_decision
    page.redaction_decision = decision
    db.session.flush()
    document = page.document
    audit.record(actor, "page.redaction_decision", document, request=document.request_id,
                 changes={"page": page.number, "decision": {"before": before, "after": decision}},
                 summary=f"page {page.number}: " + ("released the text outside the boxes" if decision == "release"
                                                    else "kept hidden from researchers and the public"))
    after_commit("foiltrack.index.document", document.id)
    return page
