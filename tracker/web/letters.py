"""Letters on the web: each request's request, follow-up and appeal letters shown wrapped and as PDF, and
"File the request": the letter previewed for each agency, then emailed, or recorded as filed by portal,
post or hand."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker import permissions
from tracker.clock import legal_today
from tracker.letter_pdf import UnprintableText, letter_pdf
from tracker.models import Message
from tracker.operations import OperationError
from tracker.operations.bulk import each
from tracker.operations.request_letters import (
    FILING_METHODS,
    file_by_email,
    letterhead_lines,
    record_filing,
    request_letter_for,
)
from tracker.web.access import require, visible_request
from tracker.web.forms import Form, as_id

bp = Blueprint("letters", __name__)

KINDS = {"request": "Request letter", "followup": "Follow-up letter", "appeal": "Appeal letter"}


def pdf_response(found, body: str, title: str, filename: str) -> Response:
    """A letter as a PDF download under the campaign's letterhead."""
    try:
        data = letter_pdf(body, letterhead=letterhead_lines(found), title=title)
    except UnprintableText as exc:  # refused, never printed with blanks where characters were
        abort(422, description=str(exc))
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "private, no-store"})


def letter_of(found, kind: str, *, by_post: bool = False) -> dict:
    """{to, subject, body} of one of the request's letters, as it would be sent today (`by_post`: printed)."""
    if kind == "request":
        return request_letter_for(found, current_user)
    if kind == "appeal":
        if not permissions.can(current_user, "appeal.manage"):
            abort(403, description="Only lawyers and admins draft appeals.")
        from tracker.operations.appeals import appeal_letter

        try:
            letter = appeal_letter(found, current_user, by_post=by_post)
        except OperationError as exc:
            abort(409, description=exc.message)
        return {"to": letter.to, "subject": letter.subject, "body": letter.body}
    from tracker.operations.outbox import draft_email

    return draft_email(found, "followup", current_user)


@bp.get("/requests/<int:request_id>/letters/<kind>")
@require("request.view")
def view(request_id: int, kind: str):
    """One of the request's letters, wrapped as it will read, with its PDF."""
    if kind not in KINDS:
        abort(404)
    found = visible_request(request_id)
    return render_template("letters/view.html", request=found, kind=kind, kind_label=KINDS[kind],
                           letter=letter_of(found, kind))


@bp.get("/requests/<int:request_id>/letters/<kind>.pdf")
@require("request.view")
def pdf(request_id: int, kind: str):
    """One of the request's letters as a PDF under the campaign's letterhead (for post or a portal)."""
    if kind not in KINDS:
        abort(404)
    found = visible_request(request_id)
    letter = letter_of(found, kind, by_post=True)
    return pdf_response(found, letter["body"], letter["subject"], f"{found.reference}-{kind}.pdf")


@bp.post("/requests/<int:request_id>/appeal-letter/pdf")
@require("appeal.manage")
def edited_appeal_pdf(request_id: int):
    """The appeal letter exactly as edited on the appeal page, as a PDF: what is printed is what was edited."""
    found = visible_request(request_id)
    body = request.form.get("body", "").replace("\r\n", "\n")
    if not body.strip():
        abort(400, description="The appeal letter is empty: there is nothing to print.")
    subject = request.form.get("subject", "").strip() or f"Appeal, {found.reference}"
    return pdf_response(found, body, subject, f"{found.reference}-appeal.pdf")


def _chosen() -> list:
    ids = [i for i in (as_id(x) for x in request.values.get("ids", "").split(",")) if i is not None]
    found = [visible_request(i) for i in dict.fromkeys(ids)]
    if not found:
        abort(400, description="Say which requests to file (ids=1,2,3).")
    return found


@bp.route("/requests/file", methods=["GET", "POST"])
@require("request.view")
def file():
    """Preview each request's letter, then email them, or record them as filed by portal, post or hand."""
    found = _chosen()
    form = Form() if request.method == "POST" else Form({"received_on": legal_today().isoformat(),
                                                         "method": "email"})
    result, status = None, 200
    if request.method == "POST":
        method = form.get("method")
        needed = "message.send" if method == "email" else "event.create"
        if not permissions.can(current_user, needed):
            abort(403, description=f"A {current_user.role} may not file requests this way.")
        try:
            if method == "email":
                def send(r):
                    letter = request_letter_for(r, current_user)
                    file_by_email(r, current_user, to=form.get(f"to_{r.id}") or letter["to"],
                                  subject=form.get(f"subject_{r.id}") or letter["subject"],
                                  body=request.form.get(f"body_{r.id}") or letter["body"])
                result = each(found, send)
            else:
                result = each(found, lambda r: record_filing(
                    r, current_user, method=method, received_on=form.get("received_on"),
                    tracking_number=form.get(f"tracking_{r.id}")))
        except OperationError as exc:
            form.error(exc.field or "_form", exc.message)
            status = exc.status
        else:
            if not result.failed:
                verb = "queued to be emailed" if method == "email" else f"recorded as filed {FILING_METHODS[method]}"
                flash(f"{len(result.done)} request{'' if len(result.done) == 1 else 's'} {verb}.", "success")
                return redirect(url_for("letters.file", ids=",".join(str(r.id) for r in found)))
            status = 207 if result.done else 422
    letters = {r.id: request_letter_for(r, current_user) for r in found if r.status == "draft"}
    sent = {r.id: _request_emails(r) for r in found}
    return render_template("letters/file.html", requests=found, letters=letters, sent=sent, form=form,
                           result=result, methods=FILING_METHODS, ids=",".join(str(r.id) for r in found)), status


def _request_emails(found) -> list[Message]:
    """The request emails sent (or being sent) for a request, newest last."""
    from tracker.extensions import db

    return list(db.session.scalars(db.select(Message).where(
        Message.request_id == found.id, Message.direction == "out", Message.match_method == "sent:request")
        .order_by(Message.id)))


# The next thing to do on a request, by its status: (words, endpoint, arguments, permission needed).
NEXT_STEPS = {
    "draft": ("File the request", "letters.file", {}, "event.create"),
    "submitted": ("Log the acknowledgment", "filing.log_event", {"type": "acknowledged"}, "event.create"),
    "acknowledged": ("Log the determination", "filing.log_event", {}, "event.create"),
    "extended": ("Log the determination", "filing.log_event", {}, "event.create"),
    "denied": ("Draft the appeal", "letters.view", {"kind": "appeal"}, "appeal.manage"),
    "partially_granted": ("Draft the appeal", "letters.view", {"kind": "appeal"}, "appeal.manage"),
    "no_records": ("Draft the appeal", "letters.view", {"kind": "appeal"}, "appeal.manage"),
    "constructively_denied": ("Draft the appeal", "letters.view", {"kind": "appeal"}, "appeal.manage"),
    "appeal_filed": ("Log the appeal decision", "filing.log_event", {}, "event.create"),
    "appeal_denied": ("Consider an Article 78 petition", "litigation.new", {}, "litigation.manage"),
    "appeal_constructively_denied": ("Consider an Article 78 petition", "litigation.new", {}, "litigation.manage"),
}


@bp.app_template_global("next_step")
def next_step(found, status: str):
    """(words, link) of the next thing to do on a request in `status`, if the signed-in person may do it."""
    step = NEXT_STEPS.get(status)
    if step is None or not permissions.can(current_user, step[3]):
        return None
    words, endpoint, arguments, _ = step
    if endpoint == "letters.file":
        return words, url_for(endpoint, ids=found.id)
    if endpoint == "litigation.new":
        return words, url_for(endpoint, request_id=found.id)
    return words, url_for(endpoint, request_id=found.id, **arguments)
