"""Public pages: the campaign's map, a neighborhood's page, public search."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import gettext
from sqlalchemy import select

from search.parse import QueryError
from search.query import SearchResults
from tracker import geo, permissions
from tracker.clock import legal_today
from tracker.extensions import db
from tracker.lifecycle import ALWAYS_ALLOWED, EVENT_TYPES
from tracker.models import Campaign, Document
from tracker.operations.campaigns import public_campaign
from tracker.public import bp, words
from tracker.public.i18n import LANGUAGES, chosen_language, language_url, remember_choice
from tracker.public.states import LABELS, ORDER, counted_requests, furthest, neighborhood_states
from tracker.web.forms import query_args
from tracker.web.schemas import DocumentPage, SearchPage

PER_PAGE = 20
# Timeline entries the public sees: what happened between the requester and the agency, never notes.
PUBLIC_EVENTS = tuple(kind for kind in EVENT_TYPES if kind not in ALWAYS_ALLOWED)


def campaign_or_404(slug: str) -> Campaign:
    """The public campaign with this slug, else 404."""
    campaign = public_campaign(slug)
    if campaign is None:
        abort(404)
    return campaign


bp.after_request(remember_choice)


@bp.app_context_processor
def _public_helpers():
    return {"public_languages": LANGUAGES, "status_labels": words.STATUS_LABELS, "event_labels": words.EVENT_LABELS,
            "deadline_labels": words.DEADLINE_LABELS, "next_steps": words.NEXT_STEPS, "long_date": words.long_date,
            "default_letter": words.letter_in_spanish_applies, "language_url": language_url}


@bp.get("/")
def index():
    """The campaigns that have a public side."""
    campaigns = db.session.scalars(select(Campaign).where(Campaign.public.is_(True)).order_by(Campaign.name))
    return render_template("public/index.html", campaigns=list(campaigns), lang=chosen_language())


@bp.get("/<slug>/")
def campaign(slug: str):
    """The campaign's map: every neighborhood coloured by the state of its requests, with a legend."""
    found = campaign_or_404(slug)
    states = neighborhood_states(found.id, legal_today())
    places = geo.neighborhoods()
    counts = {state: 0 for state in ORDER}
    for place in places.values():
        if place.residential:
            counts[states.get(place.code, "none")] += 1
    labels = {state: str(label) for state, label in LABELS.items()}  # translated once, not per neighborhood
    return render_template("public/campaign.html", campaign=found, states=states, labels=labels, order=ORDER,
                           counts=counts, width=geo.MAP_WIDTH, height=geo.MAP_HEIGHT, lang=chosen_language())


@bp.get("/<slug>/neighborhoods/<code>")
def neighborhood(slug: str, code: str):
    """A neighborhood's public page: its requests' public timelines and deadlines, and released documents."""
    found = campaign_or_404(slug)
    place = geo.find_neighborhood(code)
    if place is None:
        abort(404)
    requests = [{"request": item, "state": shown, "events": [e for e in item.events if e.type in PUBLIC_EVENTS],
                 "deadlines": state.deadlines, "status": state.status}
                for item, state, shown in counted_requests(found.id, legal_today(), place.code)]
    documents = []
    if requests:
        documents = db.session.scalars(select(Document).where(
            Document.request_id.in_([r["request"].id for r in requests]), Document.visibility == "public",
            Document.parent_id.is_(None)).order_by(Document.released_on.desc(), Document.id)).all()
    overall = furthest(r["state"] for r in requests)
    return render_template("public/neighborhood.html", campaign=found, place=place, requests=requests,
                           documents=documents, state=overall, labels=LABELS, lang=chosen_language())


@bp.get("/search")
def search():
    """Public search: public pages only (the access clause is in the query), with snippets."""
    from tracker.searching.filters import NoSuchRequest
    from tracker.searching.service import SearchUnavailable, search_for

    q = request.args.get("q", "").strip()
    campaign_name = request.args.get("campaign", "").strip()
    page = min(query_args(SearchPage).page, 500)
    results, error = None, ""
    if q:
        filters = {"campaign": campaign_name} if campaign_name else {}
        try:
            results = search_for(permissions.PUBLIC, q, filters, page=page, per_page=PER_PAGE)
        except NoSuchRequest:  # no hint that a request outside the public ones exists
            results = SearchResults(total=0, total_is_estimate=False, hits=[], page=page, per_page=PER_PAGE)
        except QueryError as exc:
            error = str(exc)
        except SearchUnavailable:
            error = gettext("Search is being rebuilt; try again in a few minutes.")
    return render_template("public/search.html", q=q, campaign_name=campaign_name, results=results,
                           error=error, page=page, lang=chosen_language())


@bp.get("/documents/<int:document_id>")
def document(document_id: int):
    """A public document's text, page by page (only documents marked public; others are a 404)."""
    from tracker.models import Page

    found = db.session.get(Document, document_id)
    if found is None or not permissions.can_see_document(permissions.PUBLIC, found):
        abort(404)
    number = query_args(DocumentPage).page
    page = db.session.scalar(select(Page).where(Page.document_id == found.id, Page.number == number))
    if page is not None and not permissions.can_see_page(permissions.PUBLIC, found, page):
        abort(404)  # held back while the campaign's lawyers review a failed redaction on it
    place = None
    owner = found.request
    if owner is not None and owner.visibility == "public" and owner.nta_code and owner.campaign \
            and owner.campaign.public:
        place = (owner.campaign, geo.find_neighborhood(owner.nta_code))
    return render_template("public/document.html", document=found, page=page, number=number, place=place,
                           lang=chosen_language())
