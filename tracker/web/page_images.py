"""The page image beside its text in the viewer, and changing who may see a document or a whole production."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user

from ingest.extract.render import RenderFailed, render_page
from tracker import permissions
from tracker.extensions import db
from tracker.models import Page
from tracker.operations import OperationError
from tracker.operations.documents import blob_store, extract_limits, set_visibility
from tracker.operations.uploads import production_documents
from tracker.web.access import require
from tracker.web.documents import visible_document
from tracker.web.filters import filename
from tracker.web.forms import attempt

bp = Blueprint("page_images", __name__)


def image_cache(sha256: str, number: int) -> Path:
    """Where the drawn page is kept: DATA_DIR/page-images, by the file's content (drawn once, for everyone)."""
    return Path(current_app.config["DATA_DIR"]) / "page-images" / sha256[:2] / f"{sha256}-{number}.png"


@bp.get("/documents/<int:document_id>/pages/<int:number>.png")
@require("document.view")
def image(document_id: int, number: int):
    """Page `number` of a PDF as a picture, drawn on first request in the sandbox and kept."""
    document = visible_document(document_id)
    if document.media_type != "application/pdf":
        abort(404, description="Only PDF pages are drawn; open the original file instead.")
    if not 1 <= number <= max(document.page_count or 0, 1) or number > 100_000:
        abort(404, description=f"Document {document_id} has no page {number}.")
    page = db.session.scalar(db.select(Page).where(Page.document_id == document.id, Page.number == number))
    if page is not None and not permissions.can_see_page(current_user, document, page):
        abort(404, description=f"Page {number} is held back while the campaign's lawyers review its redactions.")
    cached = image_cache(document.sha256, number)
    if not cached.is_file():
        try:
            render_page(blob_store().path(document.sha256), number, cached, extract_limits())
        except (RenderFailed, OSError) as exc:
            abort(404, description=f"Page {number} could not be drawn: {exc}. Open the original file instead.")
    # A page image is a few hundred kilobytes: read whole, so no file handle outlives the request.
    return Response(cached.read_bytes(), mimetype="image/png", headers={"Cache-Control": "private, max-age=3600"})


@bp.post("/documents/<int:document_id>/visibility")
@require("document.set_visibility")
def visibility(document_id: int):
    """Make a document, or the whole production it came with, public, internal or privileged."""
    document = visible_document(document_id)
    chosen = request.form.get("visibility", "")
    documents = production_documents(document) if request.form.get("scope") == "production" else [document]
    def change_all() -> None:
        for each in documents:
            set_visibility(each, chosen, current_user)

    try:
        attempt(change_all)  # all of them or, refused, none: the request's unit of work commits
    except OperationError as exc:
        flash(exc.message[0].upper() + exc.message[1:] + ".", "error")
    else:
        what = (f"All {len(documents)} documents of this production are" if len(documents) > 1
                else f"{filename(document.filename)} is")
        flash(f"{what} now {chosen}.", "success")
    return redirect(url_for("documents.view", document_id=document.id, page=request.form.get("page") or None))


@bp.app_template_global("production_size")
def production_size(document) -> int:
    """How many documents came with this one (same request, event and release date), for the viewer."""
    return len(production_documents(document))
