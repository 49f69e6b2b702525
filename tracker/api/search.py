"""Full-text search over released pages: GET /api/v1/search, within the user's visibility."""

from __future__ import annotations

from flask import g, jsonify, request, url_for

from search.parse import QueryError
from search.query import SearchResults
from tracker import permissions
from tracker.api import ApiError, bp, requires
from tracker.api import serialize as out
from tracker.api.schemas import SearchQuery, described
from tracker.extensions import db
from tracker.models import Request
from tracker.web.filters import filename

FILTERS = ("agency", "campaign", "year", "type", "released_from", "released_to", "request")
FACET_NAMES = {"agency": "agency", "campaign": "campaign", "year": "year", "media_type": "type"}
DEFAULT_PER_PAGE = 10
MAX_PER_PAGE = 100


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, "")
    try:
        value = int(raw) if raw.strip() else default
    except ValueError:
        raise ApiError(400, "invalid_page", f"{name} must be a whole number") from None
    if not low <= value <= high:
        raise ApiError(400, "invalid_page", f"{name} must be between {low} and {high}")
    return value


def results_json(results: SearchResults, user) -> dict:
    """Search results as the API returns them (request ids only for requests the user may open)."""
    request_ids = {h.request_id for h in results.hits if h.request_id is not None}
    visible = set()
    if request_ids:
        rows = db.session.scalars(db.select(Request).where(Request.id.in_(request_ids)))
        visible = {r.id for r in rows if permissions.can_see_request(user, r)}
    hits = []
    for h in results.hits:
        kind, _, key_id = h.key.partition(":")
        hit = {
            "document_id": h.document_id,
            "request_id": h.request_id if h.request_id in visible else None,
            "page": h.page,
            "snippet": h.snippet,
            "filename": filename(h.filename),
            "agency": h.agency or None,
            "campaign": h.campaign or None,
            "released_on": out.iso(h.released_on),
            "score": round(h.score, 4),
            "kind": h.kind,
            "ocr": h.ocr,
        }
        if kind == "message":
            hit["message_id"] = int(key_id)
        elif isinstance(user, permissions.PublicVisitor) and h.document_id is not None:
            hit["url"] = url_for("public.document", document_id=h.document_id, page=h.page, _external=True)
        elif h.document_id is not None:
            hit["url"] = url_for("documents.view", document_id=h.document_id, page=h.page,
                                 q=request.args.get("q", ""), _external=True)
        hits.append(hit)
    facets = {FACET_NAMES[name]: [{"value": v, "count": n} for v, n in pairs]
              for name, pairs in results.facets.items() if name in FACET_NAMES}
    body = {"total": results.total, "total_is_estimate": results.total_is_estimate, "hits": hits,
            "facets": facets, "page": results.page, "per_page": results.per_page}
    if results.partial:
        body["partial"] = True  # the time budget ran out: what was found by then
    return body


@bp.get("/search")
@requires("search")
@described(query=SearchQuery)
def search_pages():
    """Pages (and, for staff, message bodies) matching q, with snippets, page numbers and facet counts.

    Filters: agency (id, short name or name), campaign (id or name), year (YYYY), type (media type),
    released_from and released_to (YYYY-MM-DD, inclusive), request (id or reference: within one request);
    sort: relevance (default) or date; page from 1, per_page up to 100. A query that cannot be searched
    answers 400 invalid_query with a message to show; `total` is an estimate when total_is_estimate.
    """
    from tracker.searching.filters import NoSuchRequest
    from tracker.searching.service import SearchUnavailable, search_for

    q = request.args.get("q", "")
    if not q.strip():
        raise ApiError(400, "invalid_query", "give the words to look for in q, e.g. ?q=facial+recognition")
    page = _int_arg("page", 1, 1, 10_000)
    per_page = _int_arg("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    sort = request.args.get("sort", "relevance") or "relevance"
    filters = {name: request.args.get(name) for name in FILTERS if request.args.get(name)}
    try:
        results = search_for(g.api_user, q, filters, page=page, per_page=per_page, sort=sort)
    except NoSuchRequest as exc:
        raise ApiError(404, "not_found", str(exc), "request") from None
    except QueryError as exc:
        raise ApiError(400, "invalid_query", str(exc)) from None
    except SearchUnavailable as exc:
        raise ApiError(503, "search_unavailable", str(exc)) from None
    return jsonify(results_json(results, g.api_user))
