"""What the index is built from: PageRecords read from the database (the truth; the index is a cache).

One record per page of a document, one per message body, and one per request (title and description).
A page carries its document's visibility, except that a page with a failed redaction (a box over text
the file still holds) is at least ``internal`` until a lawyer releases it: researchers and the public
never find it, even in a public document. Its text is only what lies outside the boxes; the text under
them is never indexed.
A message body is always ``internal``: raw mail holds names, phone numbers and negotiating positions
that the campaign has not decided to publish, so researchers never search it; staff (volunteers,
lawyers, admins) do. A record's release date is the document's ``released_on`` when set, otherwise the
date of the email that brought it (sent, else received), otherwise the day it was recorded, in New York
time.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from search.records import PageRecord
from tracker.clock import local
from tracker.extensions import db
from tracker.models import Agency, Campaign, Document, Message, Page, Request
from tracker.models.documents import page_visibility

BATCH = 2000
MESSAGE_MEDIA_TYPE = "message/rfc822"
MESSAGE_VISIBILITY = "internal"
# A request's title and description are the campaign's working notes: staff search them, researchers
# never (even for a public request, whose public page shows what the campaign chose to publish).
REQUEST_MEDIA_TYPE = "application/x-foil-request"
REQUEST_VISIBILITY = "internal"
# Mail that could not be parsed has no body worth searching; its raw bytes stay in the blob store.
UNINDEXED_MESSAGE_STATUSES = ("rejected",)


def _day(value: date | datetime | None) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return local(value).date()
    return value


def _page_select():
    """Pages joined to what a record needs: document, message, request, agency, campaign."""
    via = aliased(Request)
    request_id = func.coalesce(Document.request_id, Message.request_id)
    return (
        select(Page.id, Page.number, Page.text, Page.ocr, Page.failed_redaction, Page.redaction_decision,
               Document.id.label("document_id"), Document.filename,
               Document.media_type, Document.visibility, Document.released_on, Document.created_at,
               Message.sent_at, Message.received_at, request_id.label("request_id"),
               Agency.id.label("agency_id"), Agency.name.label("agency"),
               Agency.short_name.label("agency_short"),
               Campaign.id.label("campaign_id"), Campaign.name.label("campaign"))
        .join(Document, Page.document_id == Document.id)
        .outerjoin(Message, Document.message_id == Message.id)
        .outerjoin(via, via.id == request_id)
        .outerjoin(Agency, Agency.id == via.agency_id)
        .outerjoin(Campaign, Campaign.id == via.campaign_id)
    )


def _page_record(row) -> PageRecord | None:
    if not (row.text or "").strip():
        return None  # a blank page matches nothing; leaving it out keeps the index small
    released = row.released_on or _day(row.sent_at) or _day(row.received_at) or _day(row.created_at)
    return PageRecord(
        key=f"page:{row.id}", text=row.text, kind="page", request_id=row.request_id,
        agency_id=row.agency_id, agency=row.agency or "", agency_short=row.agency_short or "",
        campaign_id=row.campaign_id, campaign=row.campaign or "", document_id=row.document_id,
        filename=row.filename or "",
        page=max(1, row.number), released_on=released, media_type=row.media_type or "",
        visibility=page_visibility(row.visibility, held_back(row)), ocr=bool(row.ocr),
    )


def held_back(row) -> bool:
    """A page whose failed redaction no lawyer has released (the same rule as Page.held_back)."""
    return bool(row.failed_redaction) and row.redaction_decision != "release"


def _message_select():
    return (
        select(Message.id, Message.subject, Message.from_name, Message.from_addr, Message.body_text,
               Message.body_html, Message.sent_at, Message.received_at, Message.request_id,
               Agency.id.label("agency_id"), Agency.name.label("agency"),
               Agency.short_name.label("agency_short"),
               Campaign.id.label("campaign_id"), Campaign.name.label("campaign"))
        .outerjoin(Request, Request.id == Message.request_id)
        .outerjoin(Agency, Agency.id == Request.agency_id)
        .outerjoin(Campaign, Campaign.id == Request.campaign_id)
        .where(Message.status.not_in(UNINDEXED_MESSAGE_STATUSES))
    )


def message_text(subject: str, sender: str, body_text: str, body_html: str) -> str:
    """The searchable text of an email: subject, sender and body (the HTML's text when there is no plain)."""
    body = body_text or ""
    if not body.strip() and body_html:
        import nh3

        body = html.unescape(nh3.clean(body_html, tags=set()))
    return "\n".join(part for part in (subject or "", sender or "", body) if part.strip())


def _message_record(row) -> PageRecord | None:
    sender = f"{row.from_name} <{row.from_addr}>" if row.from_name else (row.from_addr or "")
    text = message_text(row.subject, sender, row.body_text, row.body_html)
    if not text.strip():
        return None
    return PageRecord(
        key=f"message:{row.id}", text=text, kind="message", request_id=row.request_id,
        agency_id=row.agency_id, agency=row.agency or "", agency_short=row.agency_short or "",
        campaign_id=row.campaign_id,
        campaign=row.campaign or "", document_id=None, filename=(row.subject or "")[:200], page=1,
        released_on=_day(row.sent_at) or _day(row.received_at), media_type=MESSAGE_MEDIA_TYPE,
        visibility=MESSAGE_VISIBILITY,
    )


def _batched(query, id_column, build) -> Iterator[PageRecord]:
    """Rows of query in id order, BATCH at a time (keyset pages: no long-lived cursor on any database)."""
    last = 0
    while True:
        rows = db.session.execute(query.where(id_column > last).order_by(id_column).limit(BATCH)).all()
        if not rows:
            return
        for row in rows:
            record = build(row)
            if record is not None:
                yield record
        last = rows[-1].id
        db.session.expire_all()


def document_records(document_ids: Iterable[int]) -> list[PageRecord]:
    """The records of the given documents' pages (blank pages left out)."""
    ids = sorted(set(document_ids))
    if not ids:
        return []
    rows = db.session.execute(_page_select().where(Page.document_id.in_(ids))
                              .order_by(Page.document_id, Page.number)).all()
    return [r for r in map(_page_record, rows) if r is not None]


def message_records(message_ids: Iterable[int]) -> list[PageRecord]:
    """The records of the given messages' bodies (rejected or empty mail left out)."""
    ids = sorted(set(message_ids))
    if not ids:
        return []
    rows = db.session.execute(_message_select().where(Message.id.in_(ids))).all()
    return [r for r in map(_message_record, rows) if r is not None]


def _request_select():
    return (
        select(Request.id, Request.reference, Request.title, Request.description, Request.created_at,
               Agency.id.label("agency_id"), Agency.name.label("agency"),
               Agency.short_name.label("agency_short"),
               Campaign.id.label("campaign_id"), Campaign.name.label("campaign"))
        .outerjoin(Agency, Agency.id == Request.agency_id)
        .outerjoin(Campaign, Campaign.id == Request.campaign_id)
    )


def _request_record(row) -> PageRecord | None:
    text = "\n".join(part for part in (row.title or "", row.description or "") if part.strip())
    if not text.strip():
        return None
    return PageRecord(
        key=f"request:{row.id}", text=text, kind="request", request_id=row.id, agency_id=row.agency_id,
        agency=row.agency or "", agency_short=row.agency_short or "", campaign_id=row.campaign_id,
        campaign=row.campaign or "", document_id=None, filename=(row.reference or "")[:200], page=1,
        released_on=_day(row.created_at), media_type=REQUEST_MEDIA_TYPE, visibility=REQUEST_VISIBILITY,
    )


def request_records(request_ids: Iterable[int]) -> list[PageRecord]:
    """The records of the given requests' titles and descriptions (staff only, like message bodies)."""
    ids = sorted(set(request_ids))
    if not ids:
        return []
    rows = db.session.execute(_request_select().where(Request.id.in_(ids))).all()
    return [r for r in map(_request_record, rows) if r is not None]


def all_records() -> Iterator[PageRecord]:
    """Every record the index should hold: all pages, then all message bodies, then all requests."""
    yield from _batched(_page_select(), Page.id, _page_record)
    yield from _batched(_message_select(), Message.id, _message_record)
    yield from _batched(_request_select(), Request.id, _request_record)


def record_count() -> int:
    """How many records a rebuild will write at most (pages plus message bodies), for the progress bar."""
    pages = db.session.scalar(select(func.count(Page.id))) or 0
    messages = db.session.scalar(select(func.count(Message.id))
                                 .where(Message.status.not_in(UNINDEXED_MESSAGE_STATUSES))) or 0
    requests = db.session.scalar(select(func.count(Request.id))) or 0
    return pages + messages + requests
