"""Agencies: the list, each agency's page with its response times, and forms to add or correct one."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker import permissions
from tracker.clock import legal_today
from tracker.extensions import db
from tracker.models import Agency, Request
from tracker.operations import OperationError, create_agency, update_agency
from tracker.web.access import require
from tracker.web.charts import response_chart
from tracker.web.figures import agency_figures
from tracker.web.forms import Form
from tracker.web.schemas import AgencyForm

bp = Blueprint("agencies", __name__, url_prefix="/agencies")

TEXT_FIELDS = ("name", "short_name", "jurisdiction", "foil_email", "appeals_email", "appeals_officer",
               "appeals_address", "portal_url")
LIST_FIELDS = ("tracking_patterns", "closure_days", "senders")


def _visible(query):
    if not permissions.can(current_user, "request.view"):
        query = query.where(Request.visibility == "public")
    return query


@bp.get("/")
@require("request.view_public")
def index():
    """Every agency, with how many of its requests are open."""
    counts = dict(db.session.execute(
        _visible(select(Request.agency_id, func.count()).group_by(Request.agency_id))).all())
    agencies = db.session.scalars(select(Agency).order_by(Agency.name)).all()
    return render_template("agencies/index.html", agencies=agencies, counts=counts)


@bp.get("/<int:agency_id>")
@require("request.view_public")
def view(agency_id: int):
    """An agency: contacts, appeals officer, tracking-number patterns, closure days, requests, figures."""
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        abort(404, description=f"There is no agency {agency_id}.")
    requests = db.session.scalars(_visible(
        select(Request).where(Request.agency_id == agency.id).order_by(Request.id.desc())
        .options(selectinload(Request.events)))).all()
    figures = agency_figures(requests, legal_today())
    chart = response_chart([(t.request.reference, t.to_answer, t.to_decision) for t in figures.timings[-30:]],
                           f"Business days {agency.short_name} took to answer and to decide")
    return render_template("agencies/view.html", agency=agency, requests=requests, figures=figures,
                           chart=chart)


def _agency_fields(form: Form) -> dict:
    fields = {name: form.get(name) for name in TEXT_FIELDS}
    fields["closure_calendar"] = form.get("closure_calendar") or "statute"
    for name in LIST_FIELDS:
        fields[name] = [line.strip() for line in form.get(name).splitlines() if line.strip()]
    return fields


def _form_values(agency: Agency) -> dict:
    values = {name: getattr(agency, name) or "" for name in TEXT_FIELDS}
    values["closure_calendar"] = agency.calendar
    for name in LIST_FIELDS:
        values[name] = "\n".join(getattr(agency, name) or [])
    return values


@bp.route("/new", methods=["GET", "POST"])
@require("agency.edit")
def new():
    """Add an agency."""
    form = Form() if request.method == "POST" else Form({"jurisdiction": "New York State"})
    if request.method == "POST":
        form.required("name", "the agency's name")
        form.check(AgencyForm)
        if form:
            try:
                fields = _agency_fields(form)
                if not fields["short_name"]:
                    del fields["short_name"]
                agency = create_agency(current_user, **fields)
            except OperationError as exc:
                form.operation_error(exc)
            else:
                flash(f"{agency.name} is added.", "success")
                return redirect(url_for("agencies.view", agency_id=agency.id))
        return render_template("agencies/form.html", form=form, agency=None), 422
    return render_template("agencies/form.html", form=form, agency=None)


@bp.route("/<int:agency_id>/edit", methods=["GET", "POST"])
@require("agency.edit")
def edit(agency_id: int):
    """Correct an agency's contacts, patterns or closure days (closure days move its deadlines)."""
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        abort(404, description=f"There is no agency {agency_id}.")
    if request.method == "GET":
        return render_template("agencies/form.html", form=Form(_form_values(agency)), agency=agency)
    form = Form()
    form.required("name", "the agency's name")
    form.required("short_name", "a short name")
    form.check(AgencyForm)
    if form:
        try:
            update_agency(agency, current_user, **_agency_fields(form))
        except OperationError as exc:
            form.operation_error(exc)
        else:
            flash(f"{agency.name} is updated; its requests' deadlines are recomputed.", "success")
            return redirect(url_for("agencies.view", agency_id=agency.id))
    return render_template("agencies/form.html", form=form, agency=agency), 422
