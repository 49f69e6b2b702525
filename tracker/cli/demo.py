"""`foiltrack demo`: a demonstration campaign modelled on Ban the Scan, with requests in every status."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from tracker import deadlines
from tracker.clock import legal_today
from tracker.dispatch import unit_of_work
from tracker.extensions import db
from tracker.models import Campaign, Litigation, User
from tracker.operations import create_agency, create_campaign, create_user, file_request, record_event

CAMPAIGN = "Ban the Scan (demonstration)"

AGENCIES = [
    dict(name="New York City Police Department", short_name="NYPD", jurisdiction="New York City",
         foil_email="foil@nypd.example.org", appeals_email="foil-appeals@nypd.example.org",
         appeals_officer="Records Access Appeals Officer (example)",
         appeals_address="One Police Plaza (example address), New York, NY 10038",
         portal_url="https://records.example.org/nypd", tracking_patterns=[r"FOIL-\d{4}-056-\d{5}"],
         closure_calendar="nyc"),
    dict(name="New York State Police", short_name="NYSP", foil_email="foil@troopers.example.org",
         appeals_email="appeals@troopers.example.org", appeals_officer="FOIL Appeals Officer (example)",
         tracking_patterns=[r"NYSP-\d{2}-\d{4,6}"]),
    dict(name="Metropolitan Transportation Authority", short_name="MTA", foil_email="foil@mta.example.org",
         appeals_email="foil-appeals@mta.example.org", appeals_officer="General Counsel (example)",
         tracking_patterns=[r"MTA-\d{4}-\d{4,5}"]),
    dict(name="New York City Department of Investigation", short_name="DOI", jurisdiction="New York City",
         foil_email="records@doi.example.org", appeals_email="appeals@doi.example.org",
         portal_url="https://records.example.org/doi", tracking_patterns=[r"FOIL-\d{4}-032-\d{5}"],
         closure_calendar="nyc"),
    dict(name="New York State Department of Motor Vehicles", short_name="DMV",
         foil_email="foil@dmv.example.org", appeals_email="foil-appeals@dmv.example.org",
         tracking_patterns=[r"DMV-FOIL-\d{6}"]),
    dict(name="Office of the Mayor of the City of New York", short_name="MAYOR", jurisdiction="New York City",
         foil_email="foil@mayor.example.org", appeals_email="foil-appeals@mayor.example.org",
         tracking_patterns=[r"FOIL-\d{4}-002-\d{5}"], closure_calendar="nyc"),
]

# (agency, title, days ago the agency received it (None = draft), events as (business days after receipt,
#  type, data)). Offsets in business days keep every history legal whatever day the demo is loaded.
REQUESTS = [
    ("NYPD", "Facial recognition contracts and purchase orders", None, []),
    ("NYPD", "Facial recognition searches run for protests, 2020", 2, []),
    ("NYSP", "Use of Clearview AI by State Police", 30, [(4, "acknowledged", {})]),
    ("MTA", "Cameras with face-matching in subway stations", 60,
     [(5, "acknowledged", {}), (20, "extended", {"date_certain": 70, "reason": "volume of records"})]),
    ("DOI", "DOI review of NYPD surveillance technology policy", 45, [(3, "granted", {})]),
    ("DMV", "DMV photo database access by police", 32,
     [(4, "acknowledged", {}), (15, "partially_granted", {"exemptions": ["87(2)(b)", "87(2)(e)"]}),
      (16, "records_released", {"pages": 312})]),
    ("NYPD", "Audit logs of facial recognition section", 30,
     [(5, "acknowledged", {}), (19, "denied", {"exemptions": ["87(2)(e)", "87(2)(g)"]})]),
    ("MAYOR", "Mayor's office emails about facial recognition vendors", 30,
     [(4, "acknowledged", {}), (18, "no_records", {"exemptions": ["no_records"]})]),
    ("NYPD", "Training materials for facial identification section", 15, []),
    ("NYSP", "Body-camera footage retention and analytics", 90, [(5, "acknowledged", {})]),
    ("NYPD", "Facial recognition policy drafts and final policy", 120,
     [(5, "acknowledged", {}), (25, "denied", {"exemptions": ["87(2)(g)"]}),
      (30, "appeal_filed", {"filed_by": "post"})]),
    ("MTA", "Vendor demonstrations of biometric systems", 120,
     [(4, "acknowledged", {}), (20, "denied", {"exemptions": ["87(2)(d)"]}),
      (24, "appeal_filed", {"filed_by": "portal"}),
      (30, "appeal_granted", {}), (40, "records_released", {"pages": 88})]),
    ("NYPD", "Number of arrests following a facial recognition match", 110,
     [(5, "acknowledged", {}), (20, "denied", {"exemptions": ["87(2)(e)"]}), (25, "appeal_filed", {"filed_by": "post"}),
      (33, "appeal_denied", {})]),
    ("DOI", "Complaints about misidentification by face recognition", 32,
     [(4, "acknowledged", {}), (21, "denied", {"exemptions": ["87(2)(b)"]}),
      (26, "appeal_filed", {"filed_by": "hand"})]),
    ("NYPD", "Facial recognition records sought in the Article 78 proceeding", 300,
     [(5, "acknowledged", {}), (24, "denied", {"exemptions": ["87(2)(e)", "87(2)(f)", "87(2)(g)"]}),
      (30, "appeal_filed", {"filed_by": "post"}), (38, "appeal_denied", {}), (80, "article78_filed", {}),
      (160, "records_released", {"pages": 2800})]),
    ("DMV", "Contracts with facial recognition vendors", 150,
     [(5, "acknowledged", {}), (15, "granted", {}), (16, "records_released", {"pages": 45}), (20, "closed", {})]),
    ("MAYOR", "Calendar entries of meetings with surveillance vendors", 20,
     [(3, "fee_requested", {"fee": 12.5}), (6, "withdrawn", {})]),
    ("NYPD", "Domain Awareness System integration with face search", 15,
     [(5, "acknowledged", {}), (8, "fee_requested", {"fee": 25.0})]),
    ("NYSP", "Agreements with other agencies to share face images", 8, [(2, "acknowledged", {})]),
    ("MTA", "Retention schedule for station camera footage", 12,
     [(4, "acknowledged", {}), (6, "clarification_requested", {})]),
]


def _open_public_side(campaign: Campaign, agency, lawyer: User, today: date) -> None:
    """The public side of the demo: /public/ban-the-scan/, with residents' requests on its map."""
    from tracker.cli.demo_residents import load_resident_requests
    from tracker.operations.campaigns import update_campaign

    update_campaign(campaign, lawyer, slug="ban-the-scan", agency_id=agency.id, public=True)
    load_resident_requests(campaign, agency, lawyer, today, _business_days_ago)


def _business_days_ago(today: date, n: int) -> date:
    day = today
    for _ in range(n):
        day -= timedelta(days=1)
        while not deadlines.is_business_day(day):
            day -= timedelta(days=1)
    return day


def load_demo() -> dict:
    """Create the demonstration campaign, agencies, people and requests; returns the sign-in details."""
    if db.session.scalar(select(Campaign).where(Campaign.name == CAMPAIGN)):
        return {}
    today = legal_today()
    people = {}
    for role in ("admin", "lawyer", "volunteer", "researcher"):
        email = f"{role}@example.org"
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            password = secrets.token_urlsafe(9)
            user = create_user(email, role, password=password, name=f"Demo {role.title()}")
            people[email] = password
    lawyer = db.session.scalar(select(User).where(User.email == "lawyer@example.org"))
    volunteer = db.session.scalar(select(User).where(User.email == "volunteer@example.org"))
    campaign = create_campaign(CAMPAIGN, "Requests for the NYPD's facial-recognition records and those of other "
                                         "New York agencies (demonstration data).")
    agencies = {spec["short_name"]: create_agency(lawyer, **spec) for spec in AGENCIES}
    _open_public_side(campaign, agencies["NYPD"], lawyer, today)
    for number, (short, title, ago, events) in enumerate(REQUESTS, start=1):
        received = _business_days_ago(today, ago) if ago is not None else None
        request = file_request(lawyer, agencies[short], title, f"All records concerning: {title.lower()}.",
                               campaign=campaign, assignees=[volunteer.email, lawyer.email],
                               visibility="public" if number % 3 else "internal", received_on=received)
        for offset, kind, data in events:
            occurred = deadlines.add_business_days(received, offset)
            if "date_certain" in data:
                data = {**data, "date_certain": deadlines.add_business_days(received, data["date_certain"])}
            record_event(request, kind, occurred, volunteer if kind == "acknowledged" else lawyer, data,
                         note=f"Demo: {kind.replace('_', ' ')}.")
        if short == "NYPD" and any(kind == "article78_filed" for _, kind, _ in events):
            suit = Litigation(caption="Example v. New York City Police Department (demonstration)",
                              court="Supreme Court of the State of New York, New York County",
                              index_number="000000/0000", judge="(example)",
                              filed_on=deadlines.add_business_days(received, 80))
            suit.requests.append(request)
            db.session.add(suit)
    db.session.flush()
    _deliver_demo_mail(lawyer, today)
    return people


# (request title, file name, pages, who may see it) for the productions the agencies "sent".
PRODUCTIONS = [
    ("DMV photo database access by police", "DMV-production-1.pdf", 12, "public"),
    ("Vendor demonstrations of biometric systems", "MTA-vendor-demonstrations.pdf", 8, "public"),
    ("Facial recognition records sought in the Article 78 proceeding", "NYPD-production-001.pdf", 20,
     "internal"),
]


def _deliver_demo_mail(lawyer: User, today: date) -> None:
    """Agency replies carrying made-up productions, and one stranger's email, through the real mail path."""
    from ingest.blobs import BlobStore
    from tracker.cli.demo_mail import agency_reply, production_pdf, stranger_message
    from tracker.cli.demo_residents import PRODUCTION, title_for
    from tracker.models import Request
    from tracker.operations.documents import set_visibility
    from tracker.operations.mail import deliver_raw

    store = BlobStore(current_app.config["BLOB_DIR"])
    code, resident_file, resident_pages = PRODUCTION
    productions = [*PRODUCTIONS, (title_for(code), resident_file, resident_pages, "public")]
    for seed, (title, filename, pages, visibility) in enumerate(productions, start=1):
        request = db.session.scalar(select(Request).where(Request.title == title))
        released = max(e.occurred_on for e in request.events if e.type == "records_released")
        raw = agency_reply(request, f"Records responsive to your request {request.reference}",
                           "Please find attached records responsive to your request.",
                           (filename, production_pdf(title, pages, seed)), released)
        message, _new = deliver_raw(raw, store.put(raw), queue_work=False)
        for document in message.documents:
            set_visibility(document, visibility, lawyer)
    raw = stranger_message(today - timedelta(days=1))
    deliver_raw(raw, store.put(raw), queue_work=False)


def make_demo_searchable() -> int:
    """Extract and index the demonstration documents, as `foiltrack ingest --once` would."""
    from tracker.mailroom.pipeline import Summary, extract_pending, index_now
    from tracker.models import Message

    extracted = extract_pending(Summary())
    messages = db.session.scalars(select(Message.id).where(Message.direction == "in")).all()
    return index_now(extracted, list(messages))


@click.command("demo")
@with_appcontext
def command() -> None:
    """Load a demonstration campaign (safe to run twice: the second run changes nothing)."""
    with unit_of_work(write=True):  # committed before extraction, which ends each read
        people = load_demo()
    if not people:
        path = Path(current_app.config["DATA_DIR"]) / "demo-credentials.txt"
        where = (f" Its accounts and passwords are in {path}." if path.is_file()
                 else " Its passwords were printed when it was first loaded; an admin can reset them on People.")
        click.echo("The demonstration campaign is already loaded." + where)
        return
    make_demo_searchable()
    lines = [f"{email}  password: {password}" for email, password in people.items()]
    path = Path(current_app.config["DATA_DIR"]) / "demo-credentials.txt"
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    click.echo(f"Loaded the demonstration campaign '{CAMPAIGN}'. Demo accounts (also in {path}):")
    for line in lines:
        click.echo("  " + line)
