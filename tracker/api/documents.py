"""Documents and their text page by page, within what the user's role may see."""

from __future__ import annotations

from flask import g, jsonify
from pydantic import Field
from sqlalchemy import case, func

from tracker import permissions
from tracker.api import ApiError, bp, json_body, requires
from tracker.api import serialize as out
from tracker.api.schemas import Body, DocumentPatch, DocumentUpload, described
from tracker.extensions import db
from tracker.models import Document, Page
from tracker.operations.documents import decide_failed_redaction, set_visibility
from tracker.web.filters import filename

FAILED_REDACTION_WARNING = ("A redaction box on this page covers text that the file still holds. The text "
                            "under the box is shown to lawyers and admins only; it is never public.")


class RedactionDecision(Body):
    decision: str = Field(description="keep_hidden (out of public view and search) or release (the text "
                                      "outside the boxes becomes as visible as its document)")


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
        **redaction_summary(d),
    }


def redaction_summary(d: Document) -> dict:
    """A document's redaction figures: the share of its page area under boxes (each page weighed by its
    area, equally when areas are unknown), and how many pages were withheld in full or failed."""
    area = func.nullif(Page.area, 0)
    row = db.session.execute(db.select(
        func.count(Page.id), func.sum(Page.redacted_share * area), func.sum(area), func.avg(Page.redacted_share),
        func.sum(case((Page.withheld_in_full, 1), else_=0)), func.sum(case((Page.failed_redaction, 1), else_=0)),
    ).where(Page.document_id == d.id)).one()
    count, weighted, total_area, mean, withheld, failed = row
    share = (weighted / total_area) if total_area else mean
    return {"redacted_share": round(float(share), 4) if count and share is not None else None,
            "pages_withheld_in_full": int(withheld or 0), "pages_with_failed_redaction": int(failed or 0)}


@bp.get("/documents/<int:document_id>")
@requires("document.view")
def get_document(document_id: int):
    """One document: file name, sniffed media type, SHA-256, page count, extraction status, visibility."""
    return jsonify(document_json(load_document(document_id), g.api_user))


def load_page(document: Document, number: int) -> Page:
    """The page, or 404 saying how many pages the document has."""
    page = db.session.scalar(db.select(Page).where(Page.document_id == document.id, Page.number == number))
    if page is None:
        raise ApiError(404, "not_found", f"document {document.id} has no page {number} "
                                         f"(it has {document.page_count}; text {document.text_status})")
    return page


def page_json(document: Document, page: Page, user) -> dict:
    """One page as `user` may read it: its text outside redaction boxes and its redaction figures; for
    lawyers and admins, the text a failed redaction left under its boxes, with a warning."""
    body = {"document_id": document.id, "number": page.number, "text": page.text, "ocr": page.ocr,
            "redacted_share": round(page.redacted_share or 0.0, 4), "withheld_in_full": page.withheld_in_full,
            "failed_redaction": page.failed_redaction}
    if page.failed_redaction:
        body["held_back"] = page.held_back
        body["redaction_decision"] = page.redaction_decision
        if permissions.can_read_under_redaction(user):
            body["text_under_redaction"] = page.text_under_redaction
            body["warning"] = FAILED_REDACTION_WARNING
    return body


@bp.get("/documents/<int:document_id>/pages/<int:number>")
@requires("document.view")
def get_page(document_id: int, number: int):
    """The text of one page (counting from 1), whether it came from OCR, and its redactions."""
    document = load_document(document_id)
    page = load_page(document, number)
    if not permissions.can_see_page(g.api_user, document, page):
        raise ApiError(403, "held_back", f"page {number} of document {document_id} is held back until the "
                                         "campaign's lawyers have reviewed its redactions")
    return jsonify(page_json(document, page, g.api_user))


@bp.post("/documents/<int:document_id>/pages/<int:number>/redaction-decision")
@requires("redaction.review")
@described(body=RedactionDecision)
def post_redaction_decision(document_id: int, number: int):
    """A lawyer's decision on a page with a failed redaction: keep_hidden or release (audited)."""
    document = load_document(document_id)
    page = load_page(document, number)
    decide_failed_redaction(page, json_body().get("decision", ""), g.api_user)
    return jsonify(page_json(document, page, g.api_user))


@bp.get("/requests/<int:request_id>/redaction-figures")
@requires("request.view")
def get_redaction_figures(request_id: int):
    """Pages released, withheld in full, the median share redacted and the share of released page area
    blacked out: per production, per ground the agency cited, and in total."""
    from tracker.api.requests import load_request
    from tracker.operations.productions import request_redaction_figures

    return jsonify(request_redaction_figures(load_request(request_id)))


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
