"""Exports: a CSV of requests with every deadline, and a per-request evidence bundle (zip) for litigation."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import tempfile
import zipfile
from collections.abc import Iterable
from datetime import date

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import current_user
from sqlalchemy import or_, select

from tracker import audit, permissions
from tracker.clock import legal_today, local
from tracker.extensions import db
from tracker.lifecycle import CONCLUDED, DEADLINE_KINDS
from tracker.models import AuditEntry, Document, Message, Request
from tracker.models.base import utcnow
from tracker.operations import request_state
from tracker.web.access import require, visible_request
from tracker.web.request_filters import request_query

bp = Blueprint("exports", __name__)

HEADER = [
    "id", "reference", "title", "agency", "campaign", "status", "received_on", "days_open", "assignees",
    "tracking_numbers", "appeal_tracking_numbers", "appealed", "appeal_outcome", "in_litigation",
    "constructive_denial", "fee_requested", "fee_paid", "fee_pending", "pages_released",
    "next_deadline", "next_deadline_on",
    *[f"{kind}_{part}" for kind in DEADLINE_KINDS for part in ("due_on", "raw_due_on", "missed")],
    "nta_code", "neighborhood",
]


def _cell(value) -> str:
    """Text for a spreadsheet cell; a leading =, +, - or @ would be run as a formula, so it is quoted."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _days_open(r: Request, received: date | None, today: date) -> int | None:
    if received is None:
        return None
    ended = [e.occurred_on for e in r.events if e.type in CONCLUDED]
    return ((ended[-1] if ended and r.status in CONCLUDED else today) - received).days


def request_row(r: Request, today: date) -> list[str]:
    """One CSV row: the request's facts, status, fees and each deadline kind's dates."""
    state = request_state(r, today)
    fees_asked = sum(float(e.data.get("fee", 0) or 0) for e in r.events if e.type == "fee_requested")
    fees_paid = sum(float(e.data.get("fee", 0) or 0) for e in r.events if e.type == "fee_paid")
    by_kind = nearest_of_each_kind(state.deadlines)
    nxt = state.next_deadline
    values = [
        r.id, r.reference, r.title, r.agency.short_name, r.campaign.name if r.campaign else "", state.status,
        state.received_on.isoformat() if state.received_on else "", _days_open(r, state.received_on, today),
        " ".join(u.email for u in r.assignees),
        " ".join(t.number for t in r.tracking_numbers if t.kind == "request"),
        " ".join(t.number for t in r.tracking_numbers if t.kind == "appeal"),
        "yes" if r.appeals else "no", r.appeals[-1].outcome if r.appeals else "",
        "yes" if any(e.type == "article78_filed" for e in r.events) else "no",
        "yes" if state.constructive_denial else "no", f"{fees_asked:.2f}" if fees_asked else "",
        f"{fees_paid:.2f}" if fees_paid else "", "yes" if state.fee_pending else "no", state.pages_released,
        nxt.kind if nxt else "", nxt.due_on.isoformat() if nxt else "",
    ]
    for kind in DEADLINE_KINDS:
        d = by_kind.get(kind)
        values += [d.due_on.isoformat() if d else "", d.raw_due_on.isoformat() if d and d.raw_due_on else "",
                   ("yes" if d.missed else "no") if d else ""]
    values += neighborhood_cells(r)
    return [_cell(v) for v in values]


def nearest_of_each_kind(deadlines) -> dict:
    """Per kind, the nearest open deadline (a request can run several appeal clocks, one per determination);
    a kind with none open shows its latest missed one."""
    chosen: dict = {}
    for d in sorted(deadlines, key=lambda d: d.due_on):
        held = chosen.get(d.kind)
        if held is None or (held.missed and (not d.missed or d.due_on >= held.due_on)):
            chosen[d.kind] = d
    return chosen


def neighborhood_cells(r: Request) -> list[str]:
    """The request's 2020 neighborhood code and name, or two empty cells."""
    from tracker.geo import find_neighborhood

    place = find_neighborhood(r.nta_code) if r.nta_code else None
    return [r.nta_code or "", f"{place.name}, {place.borough}" if place else ""]


def requests_csv_text(requests: Iterable[Request], today: date) -> str:
    """The CSV of `requests` (header first), as text."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for r in requests:
        writer.writerow(request_row(r, today))
    return out.getvalue()


def csv_response(requests: Iterable[Request], name: str = "foil-requests") -> Response:
    """A download of the CSV of `requests`."""
    today = legal_today()
    response = Response(requests_csv_text(requests, today), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-{today.isoformat()}.csv"'
    return response


@bp.get("/requests/export.csv")
@require("export")
def requests_csv():
    """The requests matching the list's filters (or `ids=1,2,3`), as CSV."""
    query, _filters = request_query(request.args, current_user, legal_today())
    ids = [int(x) for x in re.findall(r"\d+", request.args.get("ids", ""))]
    if ids:
        query = query.where(Request.id.in_(ids))
    rows = [r for r in db.session.scalars(query) if permissions.can_see_request(current_user, r)]
    return csv_response(rows)


def safe_name(name: str, fallback: str = "file") -> str:
    """A file name safe in any zip tool: no folders, no control characters, not hidden, not too long."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "_", name).strip(" .")
    return (name or fallback)[:150]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:60] or "message"


def bundle_members(r: Request, user) -> tuple[list[Message], list[Document]]:
    """The request's messages and the documents `user` may see, in order."""
    messages = db.session.scalars(select(Message).where(Message.request_id == r.id)
                                  .order_by(Message.received_at, Message.id)).all()
    documents = db.session.scalars(
        select(Document).where(or_(Document.request_id == r.id,
                                   Document.message_id.in_([m.id for m in messages] or [0])))
        .order_by(Document.id)).all()
    return messages, [d for d in documents if permissions.can_see_document(user, d)]


def write_bundle(target, r: Request, user) -> dict:
    """Write the evidence zip of `r` to the open binary file `target`; returns the manifest."""
    from ingest.blobs import BlobStore

    blobs = BlobStore(current_app.config["BLOB_DIR"])
    messages, documents = bundle_members(r, user)
    state = request_state(r)
    manifest = {"request": r.reference, "title": r.title, "agency": r.agency.name,
                "generated_at": utcnow().isoformat() + "Z", "files": [], "missing": []}
    sums = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        def add(path: str, data: bytes, what: str) -> dict:
            digest = hashlib.sha256(data).hexdigest()
            bundle.writestr(path, data)
            sums.append(f"{digest}  {path}")
            entry = {"path": path, "sha256": digest, "size": len(data), "what": what}
            manifest["files"].append(entry)
            return entry

        html = render_template("exports/timeline.html", request=r, state=state, messages=messages,
                               documents=documents, local=local, generated=legal_today())
        add("timeline.html", html.encode("utf-8"), "the request's timeline, deadlines and correspondence")
        for n, m in enumerate(messages, 1):
            when = local(m.sent_at or m.received_at)
            path = f"emails/{n:04d}-{when:%Y-%m-%d}-{m.direction}-{_slug(m.subject)}.eml"
            if not permissions.can_download_original(user, m):
                manifest["missing"].append({"path": path, "sha256": m.raw_sha256,
                                            "reason": "carries attachments this person may not see"})
                continue
            try:
                entry = add(path, blobs.get(m.raw_sha256), f"original email {m.message_id or m.id}")
            except (FileNotFoundError, ValueError) as exc:
                manifest["missing"].append({"path": path, "sha256": m.raw_sha256, "reason": str(exc)})
            else:
                if m.redacted_at is not None:
                    # Not the bytes as they arrived or left: rewritten when a resident was forgotten.
                    entry["redacted"] = {"on": m.redacted_at.date().isoformat(), "why": m.redaction,
                                         "sha256": m.raw_sha256}
        for d in documents:
            path = f"documents/{d.id:05d}-{safe_name(d.filename, 'document')}"
            try:
                entry = add(path, blobs.get(d.sha256), f"document {d.id} ({d.visibility})")
            except (FileNotFoundError, ValueError) as exc:
                manifest["missing"].append({"path": path, "sha256": d.sha256, "reason": str(exc)})
            else:
                # Checked against the hash recorded on arrival: a mismatch would mean a corrupted store.
                entry["recorded_sha256_matches"] = entry["sha256"] == d.sha256
        add("redactions.json", json.dumps(_redaction_figures(r), indent=2, ensure_ascii=False).encode("utf-8"),
            "pages released, withheld in full and blacked out, per production and per ground cited (measured)")
        trail = db.session.scalars(audit.trail(request_id=r.id).order_by(None)
                                   .order_by(AuditEntry.at, AuditEntry.id)).all()
        add("audit.json", json.dumps([audit.as_dict(e) for e in trail], indent=2, ensure_ascii=False)
            .encode("utf-8"), "the audit trail: who changed what on this request, and when")
        bundle.writestr("SHA256SUMS", "\n".join(sums) + "\n")
        bundle.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    return manifest


def _redaction_figures(r: Request) -> dict:
    """The request's redaction figures, with the sentence an appeal may state for each production."""
    from tracker.operations.productions import request_redaction_figures

    return request_redaction_figures(r)


@bp.get("/requests/<int:request_id>/bundle.zip")
@require("export")
def bundle(request_id: int):
    """The litigation bundle: timeline (HTML), every original .eml, every document, SHA-256 manifest."""
    found = visible_request(request_id)
    # Large productions spill to disk rather than memory; the stream closes (and deletes) the file.
    spool = tempfile.SpooledTemporaryFile(max_size=32 << 20)  # noqa: SIM115 - closed by _stream
    try:
        write_bundle(spool, found, current_user)
    except BaseException:
        spool.close()
        raise
    size = spool.tell()
    spool.seek(0)
    response = Response(_stream(spool), mimetype="application/zip")
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = f'attachment; filename="{found.reference}-record.zip"'
    return response


def _stream(spool):
    try:
        while chunk := spool.read(1 << 20):
            yield chunk
    finally:
        spool.close()
