"""A request's productions and their redaction figures, read from the database (tracker.redaction_figures
does the arithmetic).

A production is the pages released together: the documents of one ``records_released`` event (uploaded
with it, or attached to the email the event was logged from), or one batch uploaded by hand (same
release date, no event). Its grounds are the exemptions its event cites; a production whose event cites
none, or an upload without an event, carries the grounds the agency cited anywhere in the request.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select

from tracker.extensions import db
from tracker.models import Document, Event, Page
from tracker.redaction_figures import PageMeasure, Production, RedactionReport, redaction_report, withheld_sentence

RELEASE_EVENT = "records_released"


def request_productions(request) -> list[Production]:
    """The request's productions with their pages' measures."""
    events = list(db.session.scalars(select(Event).where(Event.request_id == request.id).order_by(Event.id)))
    cited = tuple(dict.fromkeys(g for e in events for g in (e.data or {}).get("exemptions") or []))
    releases = {e.id: e for e in events if e.type == RELEASE_EVENT}
    by_message = {e.message_id: e for e in releases.values() if e.message_id is not None}
    documents = db.session.scalars(select(Document).where(Document.request_id == request.id)).all()
    groups: dict[tuple, list[int]] = defaultdict(list)
    meta: dict[tuple, tuple[date | None, str, tuple[str, ...]]] = {}
    for document in documents:
        event = releases.get(document.event_id) or by_message.get(document.message_id)
        if event is not None:
            key = ("event", event.id)
            grounds = tuple((event.data or {}).get("exemptions") or ()) or cited
            meta[key] = (event.occurred_on, f"records released on {event.occurred_on.isoformat()}", grounds)
        elif document.message_id is None and document.event_id is None:
            key = ("upload", document.released_on)
            day = document.released_on
            meta[key] = (day, f"uploaded, released on {day.isoformat()}" if day else "uploaded", cited)
        else:
            continue  # a letter or an attachment that is not a production
        groups[key].append(document.id)
    productions = []
    for key, ids in groups.items():
        rows = db.session.execute(select(Page.redacted_share, Page.area, Page.withheld_in_full)
                                  .where(Page.document_id.in_(ids))).all()
        released_on, label, grounds = meta[key]
        productions.append(Production(released_on, [PageMeasure(r.redacted_share or 0.0, r.area or 0.0,
                                                                bool(r.withheld_in_full)) for r in rows],
                                      tuple(grounds), label))
    return productions


def request_redaction_report(request) -> RedactionReport:
    """Figures per production, per ground and in total for one request."""
    return redaction_report(request_productions(request))


def request_redaction_figures(request) -> dict:
    """The report as plain data, each production with the sentence an appeal may state (or None)."""
    report = request_redaction_report(request)
    body = report.to_dict()
    for item, production in zip(body["productions"], report.productions, strict=True):
        item["sentence"] = withheld_sentence(production.figures, production.released_on)
    return body
