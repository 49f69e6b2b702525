"""Article 78 pages: the list of suits, one suit with its four-month limits, a new suit, and the petition
draft (.docx and .pdf) of a suit or of a request."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from tracker import permissions
from tracker.clock import legal_today
from tracker.extensions import db
from tracker.models import Litigation
from tracker.models.requests import LITIGATION_OUTCOMES
from tracker.operations import OperationError
from tracker.operations.litigation import article78_limit, create_litigation, update_litigation
from tracker.operations.petitions import petition_for_litigation, petition_for_request, petition_state
from tracker.web.access import require, visible_request
from tracker.web.forms import Form
from tracker.web.schemas import LitigationForm

bp = Blueprint("litigation", __name__)

FIELDS = ("caption", "court", "index_number", "judge", "filed_on")


def _suit(litigation_id: int) -> Litigation:
    found = db.session.get(Litigation, litigation_id)
    if found is None or not all(permissions.can_see_request(current_user, r) for r in found.requests):
        abort(404, description=f"There is no lawsuit {litigation_id} that you can see.")
    return found


def _request_ids(form: Form) -> list[int]:
    parts = [part for text in form.getlist("request_ids") for part in text.replace(",", " ").split()]
    checked = form.check(LitigationForm, request_ids=parts)
    return checked.request_ids if checked else []


@bp.get("/litigation")
@require("litigation.view")
def index():
    """Every Article 78 suit, newest first."""
    suits = db.session.scalars(select(Litigation).order_by(Litigation.id.desc())).all()
    return render_template("litigation/index.html", suits=suits)


@bp.route("/litigation/new", methods=["GET", "POST"])
@require("litigation.manage")
def new():
    """Record a petition: caption, court, index number, judge, filing date and the requests it covers."""
    preset = request.args.get("request_id", "")
    form = Form({"court": "Supreme Court of the State of New York", "request_ids": preset})
    status = 200
    if request.method == "POST":
        form = Form()
        ids = _request_ids(form)
        if form:
            try:
                suit = create_litigation(current_user, form.get("caption"), request_ids=ids,
                                         court=form.get("court"), index_number=form.get("index_number"),
                                         judge=form.get("judge"), filed_on=form.get("filed_on") or None)
            except OperationError as exc:
                form.error(exc.field or "_form", exc.message)
            else:
                flash("The lawsuit was recorded.", "info")
                return redirect(url_for("litigation.view", litigation_id=suit.id))
        status = 422
    return render_template("litigation/new.html", form=form), status


@bp.route("/litigation/<int:litigation_id>", methods=["GET", "POST"])
@require("litigation.view")
def view(litigation_id: int):
    """One suit: particulars, decision, and each covered request's CPLR 217(1) limit."""
    suit = _suit(litigation_id)
    values = {name: getattr(suit, name) or "" for name in FIELDS}
    values.update(filed_on=suit.filed_on.isoformat() if suit.filed_on else "",
                  decided_on=suit.decided_on.isoformat() if suit.decided_on else "",
                  decision=suit.decision, outcome=suit.outcome)
    form = Form(values)
    status = 200
    if request.method == "POST":
        if not permissions.can(current_user, "litigation.manage"):
            abort(403, description="Only lawyers and administrators edit lawsuits.")
        form = Form()
        changes = {name: form.get(name) for name in ("caption", "court", "index_number", "judge")}
        changes.update(filed_on=form.get("filed_on") or None, decided_on=form.get("decided_on") or None,
                       decision=request.form.get("decision", ""), outcome=form.get("outcome") or "pending")
        if form.save(update_litigation, suit, current_user, **changes):
            flash("The lawsuit was updated.", "info")
            return redirect(url_for("litigation.view", litigation_id=suit.id))
        status = form.status
    limits = [article78_limit(r, suit.filed_on) for r in suit.requests]
    return render_template("litigation/view.html", suit=suit, limits=limits, form=form,
                           outcomes=LITIGATION_OUTCOMES, today=legal_today(),
                           petition_problem=_petition_problem(suit)), status


def _petition_problem(suit: Litigation) -> str:
    """Why no petition can be drafted for the suit now ("" when one can)."""
    if not suit.requests:
        return "The lawsuit covers no request."
    for r in suit.requests:
        try:
            petition_state(r, suit.filed_on, legal_today())
        except OperationError as exc:
            return exc.message
    return ""


# -- the Article 78 petition draft, downloaded from the lawsuit's page and the request's page -----------------

def _petition_download(document, fmt: str, filename: str) -> Response:
    from tracker.petition_docs import DOCX_MEDIA_TYPE, petition_docx, petition_pdf

    render, media_type = (petition_docx, DOCX_MEDIA_TYPE) if fmt == "docx" else (petition_pdf, "application/pdf")
    return Response(render(document, author=current_user.display_name), mimetype=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt}"',
                             "Cache-Control": "private, no-store"})


def _suit_petition(litigation_id: int, fmt: str) -> Response:
    suit = _suit(litigation_id)
    try:
        document = petition_for_litigation(suit, current_user)
    except OperationError as exc:
        abort(409, description=exc.message)
    return _petition_download(document, fmt, f"article78-petition-{suit.id}")


def _request_petition(request_id: int, fmt: str) -> Response:
    found = visible_request(request_id)
    try:
        document = petition_for_request(found, current_user)
    except OperationError as exc:
        abort(409, description=exc.message)
    return _petition_download(document, fmt, f"{found.reference}-article78-petition")


@bp.get("/litigation/<int:litigation_id>/petition.docx")
@require("litigation.manage")
def petition_docx(litigation_id: int):
    """The lawsuit's Article 78 petition draft as a Word document to edit."""
    return _suit_petition(litigation_id, "docx")


@bp.get("/litigation/<int:litigation_id>/petition.pdf")
@require("litigation.manage")
def petition_pdf(litigation_id: int):
    """The lawsuit's Article 78 petition draft as a PDF."""
    return _suit_petition(litigation_id, "pdf")


@bp.get("/requests/<int:request_id>/article78-petition.docx")
@require("litigation.manage")
def request_petition_docx(request_id: int):
    """The request's Article 78 petition draft (from the lawsuit covering it, if any) as a Word document."""
    return _request_petition(request_id, "docx")


@bp.get("/requests/<int:request_id>/article78-petition.pdf")
@require("litigation.manage")
def request_petition_pdf(request_id: int):
    """The request's Article 78 petition draft as a PDF."""
    return _request_petition(request_id, "pdf")


@bp.app_template_global("article78_petition")
def article78_petition(found) -> dict | None:
    """For the request page: whether a petition can be drafted now, with its links, or why not (None when
    the person may not draft one or the request has no final denial)."""
    if not permissions.can(current_user, "litigation.manage"):
        return None
    try:
        petition_state(found, today=legal_today())
    except OperationError as exc:
        if exc.code == "article78_time_passed":
            return {"ready": False, "message": exc.message}
        return None
    return {"ready": True, "docx": url_for("litigation.request_petition_docx", request_id=found.id),
            "pdf": url_for("litigation.request_petition_pdf", request_id=found.id)}
