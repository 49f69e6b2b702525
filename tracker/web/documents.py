"""The document viewer (a page's text, the search terms marked, page by page) and the original file."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from ingest.blobs import BlobStore
from search.query import highlight_page
from tracker import permissions
from tracker.extensions import db
from tracker.models import Document, Page
from tracker.operations.documents import any_held_back, decide_failed_redaction
from tracker.web.access import require
from tracker.web.paging import page_window

bp = Blueprint("documents", __name__)

# Shown in the browser; everything else is a download. No HTML, SVG or XML (they run script in our
# origin), and the sniffed type is sent with nosniff so the browser does not guess another one.
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif", "image/tiff",
                          "image/webp", "text/plain"})


def visible_document(document_id: int) -> Document:
    """The document if the signed-in person may see it; 404 otherwise, so its existence is not leaked."""
    found = db.session.get(Document, document_id)
    if found is None or not permissions.can_see_document(current_user, found):
        abort(404, description=f"There is no document {document_id} that you can see.")
    return found


@bp.get("/documents/<int:document_id>")
@require("document.view")
def view(document_id: int):
    """One page of a document (?page=N), the words of ?q= marked, with the way to the others."""
    document = visible_document(document_id)
    q = request.args.get("q", "").strip()
    numbers = list(db.session.scalars(db.select(Page.number).where(Page.document_id == document.id)
                                      .order_by(Page.number)))
    last = max([document.page_count or 0, *numbers, 1])
    number = min(max(1, request.args.get("page", 1, type=int) or 1), last)
    page = db.session.scalar(db.select(Page).where(Page.document_id == document.id, Page.number == number))
    held_back = page is not None and not permissions.can_see_page(current_user, document, page)
    if page is None or held_back:
        text = None
    elif q:
        text = Markup(highlight_page(page.text, q))  # escaped by the engine, <mark> added
    else:
        text = escape(page.text)
    req = document.request or (document.message.request if document.message is not None else None)
    return render_template(
        "documents/view.html", document=document, page=page, number=number, last=last, q=q, text=text,
        page_numbers=page_window(number, last, spread=4), request_record=req,
        can_open_request=req is not None and permissions.can_see_request(current_user, req),
        can_open_message=document.message is not None and permissions.can(current_user, "message.view"),
        has_text_page=set(numbers), inline=document.media_type in INLINE_TYPES, held_back=held_back,
        can_review=permissions.can_read_under_redaction(current_user),
        whole_file=permissions.can_see_all_pages(current_user, document, any_held_back(document)),
    )


@bp.post("/documents/<int:document_id>/pages/<int:number>/redaction-decision")
@require("redaction.review")
def redaction_decision(document_id: int, number: int):
    """A lawyer keeps a page with a failed redaction hidden, or releases the text outside its boxes."""
    from tracker.operations import OperationError
    from tracker.web.forms import attempt

    document = visible_document(document_id)
    page = db.session.scalar(db.select(Page).where(Page.document_id == document.id, Page.number == number))
    if page is None:
        abort(404, description=f"Document {document_id} has no page {number}.")
    decision = request.form.get("decision", "")
    try:
        attempt(decide_failed_redaction, page, decision, current_user)
    except OperationError as exc:
        flash(exc.message[0].upper() + exc.message[1:] + ".", "error")
    else:
        flash(f"Page {number}: the text outside the boxes is released; the text under them stays hidden."
              if decision == "release" else
              f"Page {number} stays hidden from researchers and the public.", "success")
    return redirect(url_for("documents.view", document_id=document.id, page=number))


@bp.get("/documents/<int:document_id>/file")
@require("document.view")
def file(document_id: int):
    """The original file as received: PDFs and images shown in the browser, anything else downloaded."""
    document = visible_document(document_id)
    if not permissions.can_see_all_pages(current_user, document, any_held_back(document)):
        # The file still holds the text under a failed redaction; its pages' text is readable here instead.
        abort(404, description="The original file is held back while the campaign's lawyers review a "
                               "failed redaction in it.")
    store = BlobStore(current_app.config["BLOB_DIR"])
    if not store.exists(document.sha256):
        abort(404, description=f"The file of document {document_id} is missing from the blob store "
                               f"({document.sha256[:12]}…); restore BLOB_DIR from a backup.")
    inline = document.media_type in INLINE_TYPES
    media_type = document.media_type or "application/octet-stream"
    name = document.filename or f"document-{document_id}"
    response = send_file(store.path(document.sha256), mimetype=media_type, as_attachment=not inline,
                         conditional=True, max_age=0, download_name=name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if document.media_type != "application/pdf":
        # Nothing served from here may run script in our origin. (Not for PDFs: browsers refuse to open
        # their PDF viewer in a sandboxed document, and a PDF's own scripts run in that viewer, not here.)
        response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self' data:"
    response.headers["Cache-Control"] = "private, no-store"
    return response
