"""Mail pages: unmatched-mail triage, rejected mail, the outbox, one message with its original, writing."""

from __future__ import annotations

import math

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import func, select

from ingest.blobs import BlobStore
from tracker import permissions
from tracker.api.serialize import reply_address
from tracker.extensions import db
from tracker.models import Document, Message, Request, TrackingNumber
from tracker.operations import OperationError, outbox
from tracker.web.access import require, visible_request
from tracker.web.filters import filename
from tracker.web.forms import Form, as_id, attempt
from tracker.web.schemas import MessageAssignForm

bp = Blueprint("mail", __name__)

# Nothing inside a shown email may load from the network (tracking pixels tell the sender it was read).
HTML_POLICY = ("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
               "style-src 'unsafe-inline'; img-src data:\">")


def _blobs() -> BlobStore:
    return BlobStore(current_app.config["BLOB_DIR"])


def _visible_message(message_id: int) -> Message:
    """The message if the signed-in person may read it (and its request); 404 otherwise."""
    found = db.session.get(Message, message_id)
    if found is None or (found.request is not None and not permissions.can_see_request(current_user,
                                                                                        found.request)):
        abort(404, description=f"There is no message {message_id} that you can see.")
    return found


@bp.app_template_global()
def mail_attachments(message: Message) -> list[Document]:
    """The message's attachments the signed-in person may see."""
    visible = permissions.visible_documents(current_user)
    if not permissions.can(current_user, "document.view"):
        return []
    return [d for d in message.documents if d.visibility in visible]


@bp.app_template_global()
def attachment_url(message: Message, document: Document) -> str:
    """Where to download an attachment: the documents area when it exists, else this blueprint."""
    endpoints = current_app.view_functions
    if "documents.file" in endpoints:
        return url_for("documents.file", document_id=document.id)
    return url_for("mail.attachment", message_id=message.id, document_id=document.id)


def _page(query):
    """Rows of one page of `query`, the page number and the number of pages."""
    per_page = current_app.config["PAGE_SIZE"]
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(math.ceil(total / per_page), 1)
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    rows = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return rows, page, pages, total


@bp.get("/mail/triage")
@require("message.view")
def triage():
    """Incoming mail no rule could place, newest first, with ranked guesses and a form to assign each."""
    query = (select(Message).where(Message.direction == "in", Message.status == "unmatched")
             .order_by(Message.received_at.desc(), Message.id.desc()))
    rows, page, pages, total = _page(query)
    wanted = {s.get("request_id") for m in rows for s in (m.suggestions or []) if isinstance(s, dict)}
    found = {r.id: r for r in db.session.scalars(select(Request).where(Request.id.in_(wanted)))} \
        if wanted else {}
    suggestions = {
        m.id: [(found[s["request_id"]], s) for s in (m.suggestions or [])
               if isinstance(s, dict) and s.get("request_id") in found
               and permissions.can_see_request(current_user, found[s["request_id"]])]
        for m in rows
    }
    return render_template("mail/triage.html", rows=rows, suggestions=suggestions, page=page, pages=pages,
                           total=total)


@bp.get("/mail/rejected")
@require("message.view")
def rejected():
    """Mail that could not be read, kept as it arrived, with the reason."""
    query = (select(Message).where(Message.direction == "in", Message.status == "rejected")
             .order_by(Message.received_at.desc(), Message.id.desc()))
    rows, page, pages, total = _page(query)
    return render_template("mail/rejected.html", rows=rows, page=page, pages=pages, total=total)


@bp.get("/mail/outbox")
@require("message.view")
def outgoing():
    """What we sent or are sending, newest first; failures first of all."""
    query = (select(Message).where(Message.direction == "out")
             .order_by((Message.status == "failed").desc(), Message.received_at.desc(), Message.id.desc()))
    rows, page, pages, total = _page(query)
    rows = [m for m in rows if m.request is None or permissions.can_see_request(current_user, m.request)]
    return render_template("mail/outbox.html", rows=rows, page=page, pages=pages, total=total)


def find_request(text: str) -> Request | None:
    """A request by our reference (FT-2024-00012), its number, or an agency tracking number."""
    text = text.strip()
    if not text:
        return None
    found = db.session.scalar(select(Request).where(func.upper(Request.reference) == text.upper()))
    if found is None and text.upper().startswith("FT-") and text.count("-") == 2:
        # Our reference typed without its check part: a person choosing, not a stranger guessing.
        found = db.session.scalar(select(Request).where(func.upper(Request.reference).like(text.upper() + "-%")))
    if found is None and as_id(text) is not None:
        found = db.session.get(Request, as_id(text))
    if found is None:
        found = db.session.scalar(
            select(Request).join(TrackingNumber).where(func.upper(TrackingNumber.number) == text.upper())
            .limit(1))
    return found


@bp.post("/messages/<int:message_id>/assign")
@require("message.assign")
def assign(message_id: int):
    """Put an unmatched message on the request a person chose; remember its sender only if they said so."""
    from tracker.operations.mail import assign_message

    message = _visible_message(message_id)
    form = Form()
    checked = form.check(MessageAssignForm) or abort(400, description=" ".join(form.errors.values()))
    typed = checked.reference or ""
    target = find_request(typed) if typed else (db.session.get(Request, checked.request_id)
                                                 if checked.request_id else None)
    if target is None or not permissions.can_see_request(current_user, target):
        what = f"“{typed}”" if typed else "the chosen request"
        flash(f"No request matches {what}. Type our reference (e.g. FT-2024-00012) or the agency's tracking "
              "number, or pick a suggestion.", "error")
        return redirect(url_for("mail.triage", page=checked.page), code=303)
    try:
        learn = request.form.get("learn_sender") == "yes"
        attempt(assign_message, message, target, current_user, learn_sender=learn)
    except OperationError as exc:
        flash(exc.message[0].upper() + exc.message[1:], "error")
        return redirect(url_for("mail.triage"), code=303)
    then = (f" Mail from {message.from_addr} will go there too." if learn and message.from_addr
            else " Later mail from this sender will still wait here.")
    flash(f"“{message.subject or '(no subject)'}” is now on {target.reference}.{then}", "success")
    return redirect(url_for("mail.triage", page=checked.page), code=303)


@bp.post("/messages/<int:message_id>/redeliver")
@require("message.assign")
def redeliver(message_id: int):
    """Read a rejected email's original again and deliver it, once what stopped it is fixed."""
    from tracker.operations.mail import redeliver as read_again

    message = _visible_message(message_id)
    try:
        delivered = attempt(read_again, message, current_user)
    except OperationError as exc:
        flash(exc.message[0].upper() + exc.message[1:] + ".", "error")
        return redirect(url_for("mail.message", message_id=message.id), code=303)
    if delivered.status == "rejected":
        flash(f"It still cannot be read: {delivered.reason}", "error")
    elif delivered.status == "unmatched":
        flash("It was read and waits in the triage list for a person to put it on a request.", "success")
    else:
        flash(f"It was read and delivered to {delivered.request.reference}.", "success")
    return redirect(url_for("mail.message", message_id=message.id), code=303)


@bp.get("/messages/<int:message_id>")
@require("message.view")
def message(message_id: int):
    """One email: headers, text, sanitised HTML (sandboxed), attachments and the original."""
    found = _visible_message(message_id)
    html = HTML_POLICY + found.body_html if found.body_html else ""
    return render_template("mail/message.html", message=found, html=html,
                           attachments=mail_attachments(found), raw_allowed=_raw_allowed(found))


def _raw_allowed(message: Message) -> bool:
    return permissions.can_download_original(current_user, message)


@bp.get("/messages/<int:message_id>.eml")
@require("message.view")
def raw(message_id: int):
    """The original bytes as received or sent, for evidence (message/rfc822)."""
    found = _visible_message(message_id)
    if not _raw_allowed(found):
        abort(403, description="This email carries attachments your role may not see, so its original "
                               "cannot be downloaded. Ask a lawyer.")
    try:
        handle = _blobs().open(found.raw_sha256)
    except (FileNotFoundError, ValueError):
        abort(404, description=f"The original of message {message_id} is missing from the blob store "
                               f"(SHA-256 {found.raw_sha256}). Tell an administrator.")
    prefix = found.request.reference if found.request is not None else found.status
    return send_file(handle, mimetype="message/rfc822", as_attachment=True,
                     download_name=f"{prefix}-{found.id}.eml", max_age=0)


@bp.get("/messages/<int:message_id>/attachments/<int:document_id>")
@require("document.view")
def attachment(message_id: int, document_id: int):
    """One attachment's original file, always as a download (never rendered in our origin)."""
    found = _visible_message(message_id)
    document = db.session.get(Document, document_id)
    if document is None or document.message_id != found.id or not permissions.can_see_document(current_user,
                                                                                                document):
        abort(404, description="There is no such attachment that you can see.")
    try:
        handle = _blobs().open(document.sha256)
    except (FileNotFoundError, ValueError):
        abort(404, description=f"The file {filename(document.filename)} is missing from the blob store. Tell an "
                               "administrator.")
    response = send_file(handle, mimetype=document.media_type or "application/octet-stream",
                         as_attachment=True, download_name=document.filename or f"document-{document.id}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/messages/<int:message_id>/resend")
@require("message.send")
def resend(message_id: int):
    """Queue a failed outgoing message again, with the same bytes and Message-ID."""
    found = _visible_message(message_id)
    queued = outbox.retry_failed(ids=[found.id])
    if not queued:
        flash("Only a message that failed can be sent again.", "error")
    else:
        _flash_outcome(db.session.get(Message, found.id))
    return redirect(url_for("mail.message", message_id=found.id), code=303)


def _flash_outcome(message: Message) -> None:
    """Tell the person what became of an email once the commit handed it over."""
    db.session.refresh(message)
    if message.status == "sent":
        flash(f"Sent “{message.subject}” to {', '.join(message.to_addrs)}.", "success")
    elif message.status == "failed":
        flash(f"“{message.subject}” was not sent: {message.reason}. It is kept; send it again from its page.",
              "error")
    else:
        flash(f"“{message.subject}” is queued and will be sent in a moment; its status shows on the request.",
              "info")


@bp.route("/requests/<int:request_id>/email", methods=["GET", "POST"])
@require("message.send")
def compose(request_id: int):
    """Write to the agency about a request: the request itself or a follow-up, from the campaign address."""
    found = visible_request(request_id)
    kind = request.values.get("kind") or ("request" if found.status == "draft" else "followup")
    if kind not in ("request", "followup"):
        abort(400, description="An email from this page is the request itself or a follow-up.")
    parent = None
    if as_id(request.values.get("in_reply_to", "")) is not None:
        parent = db.session.get(Message, as_id(request.values["in_reply_to"]))
        if parent is None or parent.request_id != found.id:
            abort(404, description="The message you are answering is not on this request.")
    if request.method == "GET":
        form = Form(outbox.draft_email(found, kind, current_user, reply_to=parent))
        return _compose_page(found, form, kind, parent)
    form = Form()
    to = form.required("to", "whom to send it to")
    subject = form.required("subject", "a subject")
    body = form.required("body", "the text of the email")
    if form:
        try:
            sent = outbox.send_email(found, current_user, to, subject, body, kind=kind,
                                     cc=form.get("cc"), in_reply_to=parent)
        except OperationError as exc:
            form.operation_error(exc)
        else:
            _flash_outcome(sent)
            return redirect(url_for("requests.view", request_id=found.id), code=303)
    return _compose_page(found, form, kind, parent), 422


def _compose_page(found: Request, form: Form, kind: str, parent: Message | None) -> str:
    return render_template("mail/compose.html", request=found, form=form, kind=kind, parent=parent,
                           reply_address=reply_address(found))
