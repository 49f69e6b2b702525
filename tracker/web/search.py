"""The search page (words, phrases, filters, facets, snippets, page numbers) and saved searches."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, flash, has_request_context, redirect, render_template, request, url_for
from flask_login import current_user

from search.parse import QueryError
from search.query import MAX_RESULTS_WINDOW, SearchResults
from tracker import permissions
from tracker.operations import saved_searches as saving
from tracker.operations.errors import OperationError
from tracker.operations.saved_searches import FILTER_NAMES
from tracker.web.access import require
from tracker.web.forms import attempt
from tracker.web.paging import page_window

bp = Blueprint("search", __name__)

PER_PAGE = 10
# The filters' names as the page shows them (the query string keeps the short names).
FILTER_LABELS = {"released_from": "Released from", "released_to": "Released until", "request": "Request",
                 "agency": "Agency", "campaign": "Campaign", "year": "Year", "type": "Type"}
SORTS = (("relevance", "Best match"), ("date", "Newest first"))
FACETS = (("agency", "Agency"), ("campaign", "Campaign"), ("year", "Year released"), ("media_type", "Type"))
# The facet named media_type in the engine is the `type` filter of the page and the API.
FACET_FILTER = {"agency": "agency", "campaign": "campaign", "year": "year", "media_type": "type"}
TYPE_LABELS = {
    "application/pdf": "PDF",
    "message/rfc822": "Email",
    "image/tiff": "TIFF image",
    "image/jpeg": "JPEG image",
    "image/png": "PNG image",
    "text/plain": "Text",
    "text/html": "Web page",
    "text/csv": "CSV",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "application/msword": "Word (old)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
    "application/vnd.ms-excel": "Excel (old)",
}


@bp.app_template_filter()
def media_label(media_type: str | None) -> str:
    """A media type in words ("PDF", "Word"), or the type itself."""
    return TYPE_LABELS.get(media_type or "", media_type or "unknown")


def _current() -> tuple[str, dict[str, str], str, int]:
    """The query, filters, sort and page of this request's query string."""
    q = request.args.get("q", "").strip()
    filters = {name: request.args.get(name, "").strip() for name in FILTER_NAMES
               if request.args.get(name, "").strip()}
    sort = request.args.get("sort", "relevance")
    sort = sort if sort in dict(SORTS) else "relevance"
    page = request.args.get("page", 1, type=int) or 1
    return q, filters, sort, max(1, page)


def _link(q: str, filters: dict, sort: str, page: int = 1, **changes) -> str:
    """The search page's URL with some filters changed (None removes one)."""
    merged = {**filters, **changes}
    args = {"q": q, **{k: v for k, v in merged.items() if v}}
    if sort != "relevance":
        args["sort"] = sort
    if page > 1:
        args["page"] = page
    return url_for("search.index") + "?" + urlencode(args)


@bp.get("/search")
@require("search")
def index():
    """Search every page the person may see; an empty box shows how to search."""
    from tracker.searching.filters import NoSuchRequest
    from tracker.searching.service import SearchUnavailable, search_for

    q, filters, sort, page = _current()
    context = {"q": q, "filters": filters, "sort": sort, "sorts": SORTS, "facet_names": FACETS,
               "filter_labels": FILTER_LABELS,
               "facet_filter": FACET_FILTER, "results": None, "error": None, "link": _link,
               "researcher": permissions.visible_documents(current_user) == frozenset({"public"})}
    if not q:
        return render_template("search/index.html", **context)
    status = 200
    try:
        results = search_for(current_user, q, filters, page=page, per_page=PER_PAGE, sort=sort)
    except NoSuchRequest:  # as for a request that matches nothing: no hint that it exists
        results = SearchResults(total=0, total_is_estimate=False, hits=[], page=page, per_page=PER_PAGE)
        context.update(results=results, last_page=1, page_numbers=page_window(1, 1, spread=2))
    except QueryError as exc:
        context["error"], status = str(exc), 400
    except SearchUnavailable as exc:
        context["error"], status = str(exc), 503
    else:
        last = max(1, min(-(-results.total // PER_PAGE), MAX_RESULTS_WINDOW // PER_PAGE))
        context.update(results=results, last_page=last, page_numbers=page_window(results.page, last, spread=2))
    return render_template("search/index.html", **context), status


@bp.post("/search/saved")
@require("search")
def save():
    """Save the current query and filters; new pages that match are emailed to the person."""
    filters = {name: request.form.get(name, "") for name in FILTER_NAMES}
    q = request.form.get("q", "")
    try:
        saved = attempt(saving.save_search, current_user, request.form.get("name", ""), q, filters)
    except OperationError as exc:
        flash(f"The search was not saved: {exc.message}", "error")
        return redirect(_link(q.strip(), {k: v for k, v in filters.items() if v}, "relevance"), code=303)
    flash(f"Saved “{saved.name}”. You will get an email at {current_user.email} when newly released "
          "pages match it.", "success")
    return redirect(url_for("search.saved"), code=303)


@bp.get("/search/saved")
@require("search")
def saved():
    """The person's saved searches, with links to run them and to stop them."""
    return render_template("search/saved.html", saved_searches=saving.searches_of(current_user),
                           search_url=saving.search_url)


@bp.post("/search/saved/<int:saved_id>/delete")
@require("search")
def delete(saved_id: int):
    """Stop a saved search (and its emails)."""
    try:
        attempt(saving.delete_search, current_user, saved_id)
    except OperationError as exc:
        flash(exc.message[0].upper() + exc.message[1:], "error")
    else:
        flash("Saved search removed; it will send no more emails.", "success")
    return redirect(url_for("search.saved"), code=303)


@bp.app_context_processor
def _saved_on_dashboard():
    # The dashboard's partial (templates/search/_saved_on_dashboard.html) lists these; other pages skip
    # the query.
    if not has_request_context() or request.endpoint != "dashboard.index" \
            or not permissions.can(current_user, "search"):
        return {}
    return {"saved_searches": saving.searches_of(current_user), "saved_search_url": saving.search_url}
