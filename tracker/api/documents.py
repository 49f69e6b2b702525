"""Documents and their text page by page, within what the user's role may see."""

from __future__ import annotations

from flask import g, jsonify

from tracker import permissions
from tracker.api import ApiError, bp, json_body, requires
from tracker.api import serialize as out
from tracker.api.schemas import DocumentPatch, DocumentUpload, described
from tracker.extensions import db
from tracker.models import Document, Page
from tracker.operations.documents import set_visibility
from tracker.web.filters import filename


def load_document(document_id: int) -> Document:
    """The document, if the user may see it; 404 otherwise (its existence is not leaked)."""
    found = db.session.get(Document, document_id)
    if found is None or not permissions.can_see_document(g.api_user, found):
        raise ApiError(404, "not_found", f"there is no document {document_id}")
    return found


def document_json(d: Document, user) -> dict:
    """A document's metadata as the API shows `user` (the request and message it came from only to the
    team, or when its request is public)."""
    linked = permissions.can_see_document_links(user, d)
    return {
        "id": d.id,
        "filename": filename(d.filename),
        "media_type": d.media_type,
        "size": d.size,
        "sha256": d.sha256,
        "pages": d.page_count,
        "text_status": d.text_status,
        "text_error": d.text_error or None,
        "visibility": d.visibility,
        "request_id": d.request_id if linked else None,
        "message_id": d.message_id if linked else None,
        "parent_id": d.parent_id,
        "event_id": d.event_id,
        "released_on": out.iso(d.released_on),
        "created_at": out.iso(d.created_at),
    }


@bp.get("/documents/<int:document_id>")
@requires("document.view")
def get_document(document_id: int):
    """One document: file name, sniffed media type, SHA-256, page count, extraction status, visibility."""
    return jsonify(document_json(load_document(document_id), g.api_user))


@bp.get("/documents/<int:document_id>/pages/<int:number>")
@requires("document.view")
def get_page(document_id: int, number: int):
    """The text of one page (counting from 1) and whether it came from OCR."""
    document = load_document(document_id)
    page = db.session.scalar(db.select(Page).where(Page.document_id == document.id, Page.number == number))
    if page is None:
        raise ApiError(404, "not_found", f"document {document_id} has no page {number} "
                                         f"(it has {document.page_count}; text {document.text_status})")
    return jsonify({"document_id": document.id, "number": page.number, "text": page.text, "ocr": page.ocr})


@bp.patch("/documents/<int:document_id>")
@requires("document.set_visibility")
@described(body=DocumentPatch)
def patch_document(document_id: int):
    """Change who may see a document: public, internal or privileged."""
    document = load_document(document_id)
    data = json_body()
    unknown = set(data) - {"visibility"}
    if unknown:
        raise ApiError(400, "unknown_field", f"unknown fields: {', '.join(sorted(unknown))}")
    if "visibility" not in data:
        raise ApiError(422, "invalid", "send the visibility: public, internal or privileged", "visibility")
    set_visibility(document, data["visibility"], g.api_user)
    return jsonify(document_json(document, g.api_user))


@bp.post("/requests/<int:request_id>/documents")
@requires("document.upload")
@described(form=DocumentUpload)
def upload_documents(request_id: int):
    """Add files to a request (multipart: `file` parts, `released_on`, `visibility`, optional `event_id`)."""
    from flask import request as http

    from tracker.api.requests import load_request
    from tracker.operations.uploads import Upload, add_documents

    found = load_request(request_id)
    unknown = set(http.form) - {"released_on", "visibility", "event_id"}
    if unknown:
        raise ApiError(400, "unknown_field", f"unknown fields: {', '.join(sorted(unknown))}")
    files = [Upload(part.filename or "upload", part.read()) for part in http.files.getlist("file")]
    if not files:
        raise ApiError(422, "invalid", "send one or more files as multipart parts named 'file'", "file")
    if "released_on" not in http.form:
        raise ApiError(422, "invalid", "send released_on, the date the records were released (YYYY-MM-DD)",
                       "released_on")
    added = add_documents(found, files, g.api_user, released_on=http.form["released_on"],
                          visibility=http.form.get("visibility", "internal"), event_id=http.form.get("event_id"))
    return jsonify({"items": [document_json(d, g.api_user) for d in added]}), 201
