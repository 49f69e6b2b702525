"""Saved searches: keep a query, and email its owner when newly released pages match it.

Each saved search has a watermark, ``last_page_id``: pages with a higher id have not been reported yet.
A run finds the new pages that are already in the index, matches the query against them within the
owner's visibility (the same access clause as every search), and sends one email through the notification
log (tracker.notifications.log): the notice "alert:<saved search>:<watermark>" is claimed by exactly one
run, sent, and recorded in the same commit that moves the watermark. If the email fails, the watermark
stays and the next run tries again: nothing is lost, and two runs at once never mail the same pages.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from flask import current_app, render_template
from sqlalchemy import func, select, update

from search.parse import QueryError, check_syntax, parse
from tracker import audit, permissions
from tracker.dispatch import rollback, unit_of_work
from tracker.extensions import db
from tracker.models import Document, Page, SavedSearch, User
from tracker.models.base import utcnow
from tracker.operations.errors import Forbidden, Invalid, NotFound
from tracker.searching.filters import resolve_filters

log = logging.getLogger(__name__)

FILTER_NAMES = ("agency", "campaign", "year", "type", "released_from", "released_to", "request")
MAX_LISTED = 25  # pages listed in one alert email; the rest are a link away
# A page still missing from the index this long after its document arrived will not come: stop waiting.
INDEX_GRACE = timedelta(hours=6)


@dataclass(frozen=True)
class Outcome:
    """What one run did for one saved search: sent (with how many pages), failed (why)."""

    saved_search_id: int
    email: str
    state: str
    pages: int = 0
    error: str = ""


def save_search(user, name: str, query: str, filters: dict | None = None) -> SavedSearch:
    """Keep `query` (and its filters) for `user`; only pages released from now on will be alerted."""
    if not permissions.can(user, "search"):
        raise Forbidden("your role may not search, so it cannot save searches")
    query = (query or "").strip()
    try:
        check_syntax(query)
        parse(query)
    except QueryError as exc:
        raise Invalid(str(exc), field="query") from None
    kept = {k: str(v).strip() for k, v in (filters or {}).items()
            if k in FILTER_NAMES and str(v or "").strip()}
    try:
        resolve_filters(kept)
    except QueryError as exc:
        raise Invalid(str(exc), field="filters") from None
    name = " ".join((name or "").split())[:200] or query[:200]
    newest = db.session.scalar(select(func.max(Page.id))) or 0
    saved = SavedSearch(user_id=user.id, name=name, query=query, filters=kept, last_page_id=newest)
    db.session.add(saved)
    db.session.flush()
    audit.record(user, "saved_search.create", saved, changes={"name": name, "query": query, "filters": kept})
    return saved


def owned_search(user, saved_id: int) -> SavedSearch:
    """One of the user's saved searches; NotFound for anyone else's."""
    found = db.session.get(SavedSearch, saved_id)
    if found is None or found.user_id != getattr(user, "id", None):
        raise NotFound(f"you have no saved search {saved_id}")
    return found


def delete_search(user, saved_id: int) -> None:
    """Forget one of the user's saved searches."""
    found = owned_search(user, saved_id)
    audit.record(user, "saved_search.delete", found, changes={"name": found.name, "query": found.query})
    db.session.delete(found)
    db.session.flush()


def searches_of(user) -> list[SavedSearch]:
    """The user's saved searches, by name."""
    return list(db.session.scalars(select(SavedSearch).where(SavedSearch.user_id == user.id)
                                   .order_by(func.lower(SavedSearch.name), SavedSearch.id)))


def search_url(saved: SavedSearch, **extra) -> str:
    """The query string that runs a saved search on the search page."""
    return urlencode({"q": saved.query, **(saved.filters or {}), **extra})


# -- alerts -------------------------------------------------------------------------------------------


def _new_pages(after: int, upto: int) -> tuple[list[int], int]:
    """Documents with pages in (after, upto] that are in the index, and the watermark safe to move to.

    The watermark stops below the first page that has text but is not indexed yet (its indexing is
    queued), unless its document arrived more than INDEX_GRACE ago (its indexing failed for good and
    `foiltrack reindex` is the remedy; waiting on it would silence the alert forever).
    """
    from tracker.searching.service import indexed_keys

    rows = db.session.execute(
        select(Page.id, Page.document_id, func.length(func.trim(Page.text)) > 0, Document.created_at)
        .join(Document, Document.id == Page.document_id)
        .where(Page.id > after, Page.id <= upto).order_by(Page.id)).all()
    present = indexed_keys(f"page:{r[0]}" for r in rows if r[2])
    cutoff = utcnow() - INDEX_GRACE
    documents: set[int] = set()
    watermark = after
    for page_id, document_id, has_text, created_at in rows:
        if has_text and f"page:{page_id}" not in present:
            if created_at > cutoff:
                break
            log.warning("page %s is still not in the search index; run `foiltrack reindex`", page_id)
        elif has_text:
            documents.add(document_id)
        watermark = page_id
    return sorted(documents), watermark


def _move_watermark(saved_id: int, old: int, new: int, *, alerted: bool) -> None:
    """Move the watermark from old to new unless another run already did (in the caller's unit of work)."""
    values = {"last_page_id": new, **({"last_alerted_at": utcnow()} if alerted else {})}
    db.session.execute(update(SavedSearch).where(SavedSearch.id == saved_id, SavedSearch.last_page_id == old)
                       .values(**values))


def _plain(snippet_html: str) -> str:
    """An HTML snippet (escaped text with <mark>) as plain text, the marked words in «guillemets»."""
    marked = re.sub(r"<mark>(.*?)</mark>", r"«\1»", snippet_html)
    return html.unescape(re.sub(r"<[^>]+>", "", marked))


def _email(user: User, saved: SavedSearch, hits: list) -> object:
    from ingest.smtp import build_message

    base = current_app.config["BASE_URL"].rstrip("/")
    listed = [{"hit": h, "snippet": _plain(h.snippet),
               "url": f"{base}/documents/{h.document_id}?{urlencode({'page': h.page, 'q': saved.query})}"}
              for h in hits[:MAX_LISTED]]
    body = render_template("search/alert_email.txt", user=user, saved=saved, listed=listed, total=len(hits),
                           more=max(0, len(hits) - MAX_LISTED),
                           search_url=f"{base}/search?{search_url(saved, sort='date')}",
                           manage_url=f"{base}/search/saved")
    what = "1 new page matches" if len(hits) == 1 else f"{len(hits)} new pages match"
    return build_message(to=[user.email], subject=f"{what} “{saved.name}”", body=body)


def _alert_one(run, saved: SavedSearch, newest: int) -> Outcome | None:
    from tracker.clock import legal_today
    from tracker.notifications import log as notices
    from tracker.searching.service import matching_pages

    user, old = saved.user, saved.last_page_id
    documents, watermark = _new_pages(old, newest)
    if watermark == old:
        return None
    try:
        hits = matching_pages(user, saved.query, saved.filters, documents) if documents else []
    except QueryError as exc:
        # The search no longer runs (say its agency was deleted): keep the watermark, tell the logs.
        log.warning("saved search %s cannot run: %s", saved.id, exc)
        return Outcome(saved.id, user.email, "failed", error=str(exc))
    message = _email(user, saved, hits) if hits else None
    saved_id, email, user_id = saved.id, user.email, user.id
    if message is None:
        with unit_of_work(write=True):  # nothing new matched: nothing to tell
            _move_watermark(saved_id, old, watermark, alerted=False)
        return None
    notice = notices.claim(run, f"alert:{saved_id}:{old}", user_id=user_id, kind="alert", due_on=legal_today(),
                           threshold="alert")
    if notice is None:
        return None  # another run is telling of these pages, or already did

    def told(state: str) -> None:
        # Recorded with the outcome: once sent, these pages are never told again. A failure leaves the
        # watermark, so the next run takes the failed notice over and tries again.
        if state == "sent":
            _move_watermark(saved_id, old, watermark, alerted=True)

    state, error = notices.send(run, notice, message, and_then=told)
    if state != "sent":
        log.warning("saved-search alert to %s failed: %s", email, error)
    return Outcome(saved_id, email, state, len(hits), error)


def alert_saved_searches() -> list[Outcome]:
    """Email each saved search's owner about newly indexed pages that match it; one email per search."""
    if not current_app.config["SMTP_HOST"]:
        log.info("SMTP_HOST is not set: saved-search alerts wait until it is")
        return []
    newest = db.session.scalar(select(func.max(Page.id))) or 0
    ids = list(db.session.scalars(select(SavedSearch.id).join(User, User.id == SavedSearch.user_id)
                                  .where(SavedSearch.last_page_id < newest, User.active.is_(True))
                                  .order_by(SavedSearch.id)))
    rollback()
    from tracker.notifications.log import Run

    run, outcomes = Run(), []
    for saved_id in ids:
        saved = db.session.get(SavedSearch, saved_id)
        if saved is None or not permissions.can(saved.user, "search"):
            continue
        outcome = _alert_one(run, saved, newest)
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes
