"""The residents' request generator: choose a neighborhood (map, list or ZIP code), read the letter, give a
name and email, confirm by the emailed link; then a private status page to follow, withdraw or be forgotten.
"""

from __future__ import annotations

import click
from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext

from tracker import geo
from tracker.models import Resident
from tracker.operations.errors import OperationError
from tracker.operations.resident_limits import resident_sending_paused
from tracker.operations.residents import (
    FormInvalid,
    LimitReached,
    confirm,
    find_by_secret,
    forget,
    letter_to_send,
    purge_unconfirmed,
    send_links_again,
    submit,
    withdraw,
)
from tracker.public import bp
from tracker.public.follow import resident_view
from tracker.public.i18n import chosen_language
from tracker.public.views import campaign_or_404

# The form field that people never see and bots fill in.
HONEYPOT = "website"
# The session remembers which submission this browser just made, for the page that says what was sent.
SUBMITTED_KEY = "public_submitted"


def _preview_resident(form) -> Resident:
    return Resident(name=form.get("name") or gettext("[your name]"),
                    postal_address=form.get("postal_address") or "",
                    include_postal_address=form.get("include_postal_address") == "1")


def _generator(campaign, form=None, errors=None, status=200):
    form = form if form is not None else request.values
    place = geo.find_neighborhood(form.get("nta", ""))
    if place is not None and not place.residential:
        errors = {**(errors or {}), "nta": gettext("%(name)s is not a residential neighborhood; choose another.",
                                                    name=place.name)}
        place = None
    # The finder: a ZIP code or a neighborhood's name (as people say it) in the one `zip` box.
    zip_code, zip_matches, zip_error = request.args.get("zip", "").strip()[:100], [], ""
    if zip_code:
        found = geo.find_places(zip_code)
        zip_matches, zip_error = list(found.places), _lookup_message(found)
    letter = letter_to_send(campaign, place, _preview_resident(form)) if place else ""
    return render_template("public/request.html", campaign=campaign, place=place, form=form,
                           errors=errors or {}, letter=letter, zip_code=zip_code, zip_matches=zip_matches,
                           zip_error=zip_error, width=geo.MAP_WIDTH, height=geo.MAP_HEIGHT, honeypot=HONEYPOT,
                           lang=chosen_language()), status


def _lookup_message(found: geo.Lookup) -> str:
    """Why the finder offers no neighborhood, in the visitor's language (empty when it offers some)."""
    if found.places or found.reason == "empty":
        return ""
    if found.reason == "bad_zip":
        return gettext("%(zip)s is not a ZIP code of New York City; a ZIP code is five digits, e.g. 11211.",
                       zip=found.query)
    if found.reason == "not_city_zip":
        return gettext("%(zip)s is not a ZIP code of New York City; check the five digits.", zip=found.query)
    if found.reason == "not_residential" and found.kind == "zip":
        return gettext("%(zip)s lies in %(name)s, which is not a residential area; choose a neighborhood on "
                       "the map or in the list.", zip=found.query, name=found.outside.name)
    if found.reason == "not_residential":
        return gettext("%(name)s is not a residential area; choose a neighborhood on the map or in the list.",
                       name=found.outside.name)
    return gettext("No neighborhood matches “%(query)s”; try another spelling, your ZIP code, or the list.",
                   query=found.query)


@bp.route("/<slug>/request", methods=["GET", "POST"])
def generator(slug: str):
    """The form residents fill in; the POST records the submission and emails the confirmation link."""
    campaign = campaign_or_404(slug)
    if campaign.agency is None:
        abort(404)
    if request.method == "GET":
        return _generator(campaign)
    form = request.form
    if form.get(HONEYPOT):
        # Filled in by a program that reads the HTML, not by a person: nothing is kept or sent.
        return _generator(campaign, form, {"form": gettext("This form could not be accepted.")}, 400)
    place = geo.find_neighborhood(form.get("nta", ""))
    try:
        resident, _secret = submit(campaign, place, form.get("name", ""), form.get("email", ""),
                                   form.get("postal_address", ""),
                                   include_postal_address=form.get("include_postal_address") == "1",
                                   client_address=request.remote_addr or "", language=chosen_language())
    except LimitReached as exc:
        return _generator(campaign, form, {exc.field or "form": _translated(exc)}, 429)
    except FormInvalid as exc:
        return _generator(campaign, form, {field: _problem(field, code) for field, code in exc.problems.items()},
                          exc.status)
    except OperationError as exc:
        return _generator(campaign, form, {exc.field or "form": _translated(exc)}, exc.status)
    session[SUBMITTED_KEY] = resident.id
    return redirect(url_for("public.check_email", slug=campaign.slug))


@bp.get("/<slug>/check-email")
def check_email(slug: str):
    """What became of the confirmation email this browser's submission asked for: sent, on its way, or
    not sent yet (and tried again), read from the email's own record."""
    from tracker.extensions import db
    from tracker.models import ResidentEmail

    campaign = campaign_or_404(slug)
    resident = db.session.get(Resident, session.get(SUBMITTED_KEY) or 0)
    if resident is None or resident.campaign_id != campaign.id or resident.state != "pending":
        return redirect(url_for("public.generator", slug=campaign.slug))
    email = db.session.scalars(db.select(ResidentEmail).where(ResidentEmail.resident_id == resident.id)
                               .order_by(ResidentEmail.id.desc())).first()
    sending = email.status if email else "queued"
    if sending == "queued" and resident_sending_paused(campaign):
        sending = "waiting"  # held back by the campaign's hourly cap
    return render_template("public/check_email.html", campaign=campaign, email=resident.email,
                           sending=sending,
                           hours=current_app.config["RESIDENT_CONFIRM_HOURS"], lang=chosen_language())


@bp.route("/link", methods=["GET", "POST"])
def link_again():
    """A resident who lost their link asks for it again by email address; the answer is the same whether
    or not the address is known, and the new link ends the old ones."""
    if request.method == "GET":
        return render_template("public/link_again.html", form={}, errors={}, lang=chosen_language())
    try:
        send_links_again(request.form.get("email", ""))
    except OperationError as exc:
        return render_template("public/link_again.html", form=request.form, lang=chosen_language(),
                               errors={"email": gettext("Give the email address you made the request with.")}
                               ), exc.status
    return render_template("public/done.html", lang=chosen_language(), message=gettext(
        "If this address made a request through this site, an email with a new private link is on its way "
        "to it. Earlier links no longer work."))


def _problem(field: str, code: str) -> str:
    """What is wrong with one field of the form, in the page's language."""
    messages = {
        ("name", "missing"): gettext("Give your name: the request is filed in it."),
        ("name", "too_long"): gettext("Your name is longer than %(n)s characters; shorten it.", n=200),
        ("name", "link"): gettext("A name cannot contain a web address; give your name only."),
        ("email", "invalid"): gettext("Give an email address we can send the confirmation link to, "
                                      "like name@example.com."),
        ("postal_address", "too_long"): gettext("The postal address is longer than %(n)s characters.", n=500),
    }
    return messages.get((field, code), gettext("Check this field."))


def _translated(exc: OperationError) -> str:
    """The operation's message in the page's language (the known ones; others as they are)."""
    known = {
        "too_many_submissions": gettext("Too many requests came from this email or network today; "
                                        "try again tomorrow."),
        "pending_confirmation": gettext("We already emailed a confirmation link for this neighborhood to "
                                        "this address; follow it, or wait until it expires."),
    }
    if exc.field == "name" and exc.code == "invalid":
        return gettext("Give your name: the request is filed in it.")
    if exc.field == "email" and exc.code == "invalid":
        return gettext("Give an email address we can send the confirmation link to.")
    if exc.field == "postal_address":
        return gettext("The postal address is longer than %(n)s characters.", n=500)
    if exc.field == "nta":
        return gettext("Choose a residential neighborhood from the map or the list.")
    return known.get(exc.code, exc.message)


@bp.route("/confirm/<secret:link>", methods=["GET", "POST"])
def confirm_page(link: str):
    """The emailed link: a button to confirm (so that a mail scanner opening the link files nothing)."""
    if request.method == "GET":
        resident = _pending(link)
        place = geo.find_neighborhood(resident.nta_code) if resident else None
        letter = letter_to_send(resident.campaign, place, resident) if place else ""
        return render_template("public/confirm.html", resident=resident, link=link, place=place, letter=letter,
                               lang=chosen_language()), 200 if resident else 404
    try:
        _resident, status_secret = confirm(link)
    except OperationError as exc:
        return render_template("public/confirm.html", resident=None, error=_translated(exc),
                               lang=chosen_language()), exc.status
    return redirect(url_for("public.status", link=status_secret))


def _pending(link: str) -> Resident | None:
    from tracker.operations.errors import NotFound

    try:
        return find_by_secret(link, Resident.confirm_hash)
    except NotFound:
        return None


def _resident_or_404(link: str) -> Resident:
    from tracker.operations.errors import NotFound

    try:
        return find_by_secret(link, Resident.status_hash)
    except NotFound:
        abort(404)


@bp.get("/status/<secret:link>")
def status(link: str):
    """The resident's private page: whether the letter went out and when, each step since, the deadlines
    and what happens next (all from the request's own records), withdraw, forget me."""
    resident = _resident_or_404(link)
    return render_template("public/status.html", **resident_view(resident), link=link, lang=chosen_language())


@bp.post("/status/<secret:link>/withdraw")
def withdraw_page(link: str):
    """Withdraw the resident's request (the agency is told)."""
    resident = _resident_or_404(link)
    try:
        withdraw(resident)
    except OperationError as exc:
        return render_template("public/done.html", message=_translated(exc), lang=chosen_language()), exc.status
    return redirect(url_for("public.status", link=link))


@bp.post("/status/<secret:link>/forget")
def forget_page(link: str):
    """Remove the resident's name, email and address; the request stays under a pseudonym. While a court
    case of the campaign concerns the request, a lawyer talks to the resident first."""
    resident = _resident_or_404(link)
    if resident_view(resident)["in_court"]:
        return render_template("public/done.html", lang=chosen_language(), message=gettext(
            "A court case of the campaign concerns this request, so your details may be part of its evidence. "
            "A lawyer of the campaign will contact you about deleting them; nothing was deleted.")), 409
    pseudonym = resident.pseudonym
    forget(resident)
    return render_template("public/done.html", lang=chosen_language(), message=gettext(
        "We removed your name, email and address from our records and from the emails we keep; the last "
        "copies (the search index, the original email files) are cleared within minutes. The request stays on "
        "the public record as %(pseudonym)s; this link no longer works.", pseudonym=pseudonym))


@click.group("residents")
def command():
    """Residents' submissions."""


@command.command("purge")
def purge_command():
    """Delete unconfirmed submissions older than RESIDENT_RETENTION_DAYS."""
    removed = purge_unconfirmed()
    click.echo(f"deleted {removed} unconfirmed submission{'s' if removed != 1 else ''}")
