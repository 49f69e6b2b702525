"""Adding documents by hand on a request's page: several files at once, with their release date,
the event they came with and who may see them. uploads.js sends one file per call with a progress bar;
without script the form posts every file at once."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from tracker import permissions
from tracker.clock import legal_today
from tracker.operations import OperationError
from tracker.operations.uploads import Upload, add_documents, held_by_request
from tracker.web.access import require, visible_request
from tracker.web.filters import filename
from tracker.web.forms import Form

bp = Blueprint("uploads", __name__)


def _wants_json() -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


def _already_json(upload: Upload, document) -> dict:
    return {"filename": upload.filename, "id": document.id, "held_as": document.filename,
            "url": url_for("documents.view", document_id=document.id)}


@bp.route("/requests/<int:request_id>/documents", methods=["GET", "POST"])
@require("document.upload")
def add(request_id: int):
    """The form to add documents to a request, and what it posts."""
    found = visible_request(request_id)
    form = Form() if request.method == "POST" else Form({"released_on": legal_today().isoformat(),
                                                         "visibility": "internal"})
    status = 200
    if request.method == "POST":
        files = [Upload(part.filename or "upload", part.read()) for part in request.files.getlist("file")
                 if part.filename or part.content_length]
        # A file the request already holds (the same bytes) is recognised, not added twice.
        held = [(upload, held_by_request(found, upload.content)) for upload in files]
        already = [(upload, document) for upload, document in held if document is not None]
        new = [upload for upload, document in held if document is None]
        try:
            added = add_documents(found, new, current_user, released_on=form.get("released_on"),
                                  visibility=form.get("visibility") or "internal",
                                  event_id=form.get("event_id") or None,
                                  batch=form.get("batch") or None) if new or not already else []
        except OperationError as exc:
            if _wants_json():
                return jsonify({"error": {"code": exc.code, "message": exc.message, "field": exc.field}}), exc.status
            form.operation_error(exc, "file")
            status = exc.status
        else:
            if _wants_json():
                return jsonify({"items": [{"id": d.id, "filename": filename(d.filename),
                                           "url": url_for("documents.view", document_id=d.id)} for d in added],
                                "already": [_already_json(u, d) for u, d in already]}), 201 if added else 200
            if added:
                names = ", ".join(filename(d.filename) for d in added)
                flash(f"Added {len(added)} file{'' if len(added) == 1 else 's'} ({names}). Their text is being "
                      "extracted; they appear in search when it is done.", "success")
            if already:
                flash("Already on this request, so not added again: " + "; ".join(
                    f"{u.filename} (as {d.filename})" for u, d in already) + ".", "info")
            return redirect(url_for("requests.view", request_id=found.id) + "#documents")
    events = [e for e in reversed(found.events) if e.type != "note"]
    return render_template("requests/add_documents.html", request=found, form=form, events=events,
                           may_publish=permissions.can(current_user, "document.set_visibility")), status
