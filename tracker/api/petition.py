"""The Article 78 petition draft in the JSON API: a lawsuit's or a request's, as .docx to edit or as .pdf.

Lawyers and administrators only; a request with no final denial, or whose four months have run out, gets
409 with the reason. The draft is never filed by the product.
"""

from __future__ import annotations

from flask import Response, g

from tracker.api import ApiError, bp, requires
from tracker.api.requests import load_request
from tracker.extensions import db
from tracker.models import Litigation
from tracker.operations.petitions import petition_for_litigation, petition_for_request
from tracker.petition_docs import DOCX_MEDIA_TYPE, petition_docx, petition_pdf

FORMATS = {"docx": (DOCX_MEDIA_TYPE, petition_docx), "pdf": ("application/pdf", petition_pdf)}


def petition_response(document, fmt: str, filename: str, author: str = "") -> Response:
    """The drafted petition as a download in `fmt` (docx or pdf)."""
    media_type, render = FORMATS[fmt]
    return Response(render(document, author=author), mimetype=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt}"',
                             "Cache-Control": "private, no-store"})


@bp.get("/litigation/<int:litigation_id>/petition.docx", defaults={"fmt": "docx"})
@bp.get("/litigation/<int:litigation_id>/petition.pdf", defaults={"fmt": "pdf"})
@requires("litigation.manage")
def litigation_petition(litigation_id: int, fmt: str):
    """The lawsuit's Article 78 petition draft (notice of petition, verified petition, exhibits)."""
    lit = db.session.get(Litigation, litigation_id)
    if lit is None:
        raise ApiError(404, "not_found", f"there is no lawsuit {litigation_id}")
    document = petition_for_litigation(lit, g.api_user)
    return petition_response(document, fmt, f"article78-petition-{lit.id}", g.api_user.display_name)


@bp.get("/requests/<int:request_id>/article78-petition.docx", defaults={"fmt": "docx"})
@bp.get("/requests/<int:request_id>/article78-petition.pdf", defaults={"fmt": "pdf"})
@requires("litigation.manage")
def request_petition(request_id: int, fmt: str):
    """The request's Article 78 petition draft: from the lawsuit covering it, or drafted from the request."""
    found = load_request(request_id)
    document = petition_for_request(found, g.api_user)
    return petition_response(document, fmt, f"{found.reference}-article78-petition", g.api_user.display_name)
