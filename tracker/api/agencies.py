"""Agencies."""

from flask import g, jsonify
from sqlalchemy import select

from tracker.api import ApiError, bp, json_body, page_args, paginated, requires
from tracker.api import serialize as out
from tracker.api.schemas import AgencyCreate, AgencyFields, Paged, described
from tracker.extensions import db
from tracker.models import Agency
from tracker.operations import create_agency, update_agency


@bp.get("/agencies")
@requires("search")
@described(query=Paged)
def list_agencies():
    """Every agency, by name."""
    page, per_page = page_args()
    return jsonify(paginated(select(Agency).order_by(Agency.name), page, per_page, out.agency))


@bp.post("/agencies")
@requires("agency.edit")
@described(body=AgencyCreate)
def add_agency():
    """Add an agency."""
    agency = create_agency(g.api_user, **json_body())
    return jsonify(out.agency(agency)), 201


def _agency(agency_id: int) -> Agency:
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        raise ApiError(404, "not_found", f"there is no agency {agency_id}")
    return agency


@bp.get("/agencies/<int:agency_id>")
@requires("search")
def get_agency(agency_id: int):
    """One agency."""
    return jsonify(out.agency(_agency(agency_id)))


@bp.patch("/agencies/<int:agency_id>")
@requires("agency.edit")
@described(body=AgencyFields)
def patch_agency(agency_id: int):
    """Change an agency's contacts, tracking-number patterns or closure days."""
    agency = update_agency(_agency(agency_id), g.api_user, **json_body())
    return jsonify(out.agency(agency))
