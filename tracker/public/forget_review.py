"""For lawyers and admins: before forgetting a resident, what it changes in the evidence (the original
emails that would be rewritten) and in the records, and whether a lawsuit recorded here names the request."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, render_template

from tracker.public.follow import resident_view
from tracker.web.access import require, visible_request

bp = Blueprint("forget_review", __name__)


@bp.get("/requests/<int:request_id>/resident/forget")
@require("resident.view")
def review(request_id: int):
    """What forgetting this request's resident would change, with the button that does it."""
    from ingest.blobs import BlobStore
    from tracker.operations.forgetting import forget_preview

    found = visible_request(request_id)
    resident = found.resident
    if resident is None or resident.forgotten_at is not None:
        abort(404, description="This request has no resident requester to forget.")
    preview = forget_preview(resident, BlobStore(current_app.config["BLOB_DIR"]))
    return render_template("public/forget_review.html", request=found, resident=resident, preview=preview,
                           in_court=resident_view(resident)["in_court"])


def init_app(app: Flask) -> None:
    """Register the review page."""
    app.register_blueprint(bp)
