"""Residents' requests: submit, confirm by email, withdraw, forget; and the emails that tell them each step.

A submission holds the resident's name and email until they follow the emailed link (within
RESIDENT_CONFIRM_HOURS); only then is a request filed in their name, through `file_request` and the
mail outbox like every request. Unconfirmed submissions are deleted after RESIDENT_RETENTION_DAYS.

The links are credentials. Each is derived from the app's secret key and the resident's `link_nonce`
(`link_for`), and only its SHA-256 is stored: no row, email text or log line keeps a link, an email is
written with its link when it is sent, and asking for the links again (`send_links_again`) draws a new
nonce, which ends every earlier link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import delete, select

from tracker import audit
from tracker.clock import legal_today
from tracker.extensions import db
from tracker.letter_language import LetterTemplateError, fill
from tracker.lifecycle import ENDED
from tracker.models import Campaign, Request, Resident
from tracker.models.base import utcnow
from tracker.operations.campaigns import DEFAULT_LETTER
from tracker.operations.errors import Conflict, Invalid, NotFound
from tracker.operations.forgetting import forget  # noqa: F401 - the residents' verbs, in one place
from tracker.operations.request_letters import template_invalid
from tracker.operations.requests import file_request, record_event

EMAIL = re.compile(r"[^@\s<>\"',;()]+@[^@\s<>\"',;()]+\.[^@\s<>\"',;()]+")
MAX_NAME = 200
MAX_ADDRESS = 500
LANGUAGES = ("en", "es")
# The task that sends one email to a resident (tracker.public.notify declares it).
EMAIL_TASK = "foiltrack.public.resident_email"
# Which link an email to a resident carries, by the resident's state.
LINK_PURPOSES = {"pending": "confirm", "confirmed": "status", "withdrawn": "status"}


class LimitReached(Conflict):
    """Too many submissions from one email or one network address in a day."""

    status = 429
    code = "too_many_submissions"


def secret_hash(secret: str) -> str:
    """What is stored of an emailed secret: its SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _derived(resident: Resident, purpose: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    mac = hmac.new(key, f"{purpose}:{resident.id}:{resident.link_nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:24]).decode()


def link_for(resident: Resident, purpose: str) -> str | None:
    """The resident's live link secret for `purpose` ("confirm" or "status"); None once it has ended."""
    if not resident.link_nonce or resident.id is None:
        return None
    secret = _derived(resident, purpose)
    column = resident.confirm_hash if purpose == "confirm" else resident.status_hash
    return secret if column is not None and hmac.compare_digest(column, secret_hash(secret)) else None


def _issue_link(resident: Resident, purpose: str) -> str:
    """Draw a new nonce (ending every earlier link) and store the hash of the new `purpose` link."""
    resident.link_nonce = secrets.token_hex(16)
    db.session.flush()  # the resident has its id, which the link is derived from
    resident.confirm_hash = resident.status_hash = None
    secret = _derived(resident, purpose)
    if purpose == "confirm":
        resident.confirm_hash = secret_hash(secret)
    else:
        resident.status_hash = secret_hash(secret)
    return secret


def queue_resident_email(resident: Resident, kind: str):
    """Record that the resident is to be emailed about `kind`; its text is written when it is sent."""
    from tracker.dispatch import after_commit
    from tracker.models import ResidentEmail

    if not resident.email or resident.forgotten_at is not None:
        return None
    email = ResidentEmail(resident=resident, kind=kind)
    db.session.add(email)
    db.session.flush()
    after_commit(EMAIL_TASK, email.id)
    return email


def send_links_again(email: str, *, now: datetime | None = None) -> int:
    """Email new links to every live request of this address (the old links end); returns how many.

    The caller answers the same whatever this returns: whether an address is known is not told.
    """
    now = now or utcnow()
    email = str(email or "").strip().lower()
    if not EMAIL.fullmatch(email) or len(email) > 320:
        raise Invalid("give the email address you made the request with", field="email")
    count = 0
    for resident in db.session.scalars(select(Resident).where(Resident.email == email)):
        purpose = LINK_PURPOSES.get(resident.state)
        if purpose is None or (purpose == "confirm" and _expired(resident, now)):
            continue
        _issue_link(resident, purpose)
        queue_resident_email(resident, "link")
        count += 1
    return count


def _new_pseudonym() -> str:
    while True:
        name = "Resident " + secrets.token_hex(3).upper()
        if not db.session.scalar(select(Resident.id).where(Resident.pseudonym == name)):
            return name


class FormInvalid(Invalid):
    """Several fields of a resident's form are wrong at once: `problems` maps each field to its code."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(f"{field}: {code}" for field, code in problems.items()),
                         field=next(iter(problems)))
        self.problems = problems


# A web address where a name should be (people put links in the name field to have them mailed on).
LINK_IN_NAME = re.compile(r"(?i)(https?:|ftp:|www\.|://|\b[a-z0-9-]+\.(?:com|net|org|info|biz|io|co|ru|cn|xyz|top|"
                          r"online|site|shop|us|uk|de|ly)\b)")


def _clean(name, email, postal_address) -> tuple[str, str, str]:
    name = " ".join(str(name or "").split())
    email = str(email or "").strip().lower()
    postal_address = "\n".join(line.strip() for line in str(postal_address or "").splitlines() if line.strip())
    problems = {}
    if not name:
        problems["name"] = "missing"
    elif len(name) > MAX_NAME:
        problems["name"] = "too_long"
    elif LINK_IN_NAME.search(name):
        problems["name"] = "link"
    if not EMAIL.fullmatch(email) or len(email) > 320:
        problems["email"] = "invalid"
    if len(postal_address) > MAX_ADDRESS:
        problems["postal_address"] = "too_long"
    if problems:
        raise FormInvalid(problems)
    return name, email, postal_address


def _check_limits(email: str, client_address: str, now: datetime) -> None:
    """Refuse a submission past the per-email or per-network daily limit, or count it (the one rate
    limiter; see tracker.operations.resident_limits, which also holds the campaign's hourly email cap)."""
    from tracker.operations.resident_limits import check_submission

    refused = check_submission(email, client_address, now)
    if refused is not None:
        raise LimitReached(refused.message, field=refused.field)


def _expired(resident: Resident, now: datetime) -> bool:
    return resident.created_at + timedelta(hours=current_app.config["RESIDENT_CONFIRM_HOURS"]) < now


def submit(campaign: Campaign, neighborhood, name: str, email: str, postal_address: str = "", *,
           include_postal_address: bool = False, client_address: str = "", language: str = "en",
           now: datetime | None = None) -> tuple[Resident, str]:
    """Record a resident's submission and email them a confirmation link; returns it and the link's secret
    (for the caller to use at once; it is not kept)."""
    now = now or utcnow()
    if not campaign.public or campaign.agency is None:
        raise Conflict("this campaign is not taking requests from residents")
    if neighborhood is None or not neighborhood.residential:
        raise Invalid("choose a residential neighborhood from the map or the list", field="nta")
    name, email, postal_address = _clean(name, email, postal_address)
    _check_limits(email, client_address, now)
    pending = db.session.scalars(select(Resident).where(
        Resident.email == email, Resident.nta_code == neighborhood.code, Resident.campaign_id == campaign.id,
        Resident.state == "pending")).all()
    for earlier in pending:
        if not _expired(earlier, now):
            raise Conflict("a confirmation link for this neighborhood was already emailed to this address; "
                           "follow it, or wait until it expires", code="pending_confirmation", field="email")
        earlier.state = "expired"
    resident = Resident(campaign=campaign, nta_code=neighborhood.code, name=name, email=email,
                        postal_address=postal_address, include_postal_address=bool(include_postal_address),
                        pseudonym=_new_pseudonym(), language=language if language in LANGUAGES else "en",
                        state="pending", client_address=client_address[:64], created_at=now)
    db.session.add(resident)
    secret = _issue_link(resident, "confirm")
    # The trail names the resident by pseudonym only: forgetting them must leave no name or email behind.
    audit.record(_resident_actor(resident), "resident.submit", resident,
                 changes={"campaign": campaign.name, "nta": neighborhood.code})
    queue_resident_email(resident, "confirm")
    return resident, secret


def letter_for(campaign: Campaign, neighborhood, resident: Resident, *, include_postal_address: bool | None = None,
               precincts: Sequence[str] = ()) -> str:
    """The campaign's letter with the neighborhood and the resident filled in (letters stay in English).

    The resident's postal address is in the letter only when they chose to include it
    (`include_postal_address`; when not given, giving an address is the choice). The police precincts
    are named when the campaign supplies them for the neighborhood.
    """
    if include_postal_address is None:
        include_postal_address = bool((resident.postal_address or "").strip())
    if not precincts:
        precincts = (campaign.precincts or {}).get(neighborhood.code, ())
    precinct_words = ""
    if precincts:
        numbers = [str(p) for p in precincts]
        listed = numbers[0] if len(numbers) == 1 else ", ".join(numbers[:-1]) + " and " + numbers[-1]
        precinct_words = f", police precinct{'s' if len(numbers) > 1 else ''} {listed}"
    values = {"neighborhood": neighborhood.name, "nta_code": neighborhood.code, "borough": neighborhood.borough,
              "community_district": neighborhood.community_district or neighborhood.borough,
              "precincts": precinct_words, "resident_name": resident.name,
              "postal_address": resident.postal_address if include_postal_address else "",
              "agency": campaign.agency.name if campaign.agency else ""}
    try:
        return fill("neighborhood", campaign.letter_template or DEFAULT_LETTER, values).strip()
    except LetterTemplateError as exc:  # stored before the letter language existed and never converted
        raise template_invalid(exc, "letter_template", "the campaign's letter cannot be filled in") from None


def letter_to_send(campaign: Campaign, neighborhood, resident) -> str:
    """The letter as the agency gets it: the postal address is in it only when the resident chose so."""
    signer = SimpleNamespace(name=resident.name, include_postal_address=bool(resident.include_postal_address),
                             postal_address=resident.postal_address if resident.include_postal_address else "")
    return letter_for(campaign, neighborhood, signer, include_postal_address=signer.include_postal_address)


def _scrubbed(resident: Resident, text: str) -> str:
    """`text` with the resident's name, email and postal address (and each of its lines) as the pseudonym."""
    personal = [v for v in (resident.name, resident.email, resident.postal_address) if v]
    personal += [line for line in resident.postal_address.splitlines() if line.strip()]
    for value in sorted(set(personal), key=len, reverse=True):
        text = text.replace(value, resident.pseudonym)
    return text


def find_by_secret(secret: str, column) -> Resident:
    """The resident whose emailed secret this is, or NotFound."""
    if not isinstance(secret, str) or not 10 <= len(secret) <= 100:
        raise NotFound("this link is not valid")
    resident = db.session.scalar(select(Resident).where(column == secret_hash(secret)))
    if resident is None:
        raise NotFound("this link is not valid (it may have been used already, or the data was deleted)")
    return resident


def confirm(secret: str, *, now: datetime | None = None) -> tuple[Resident, str]:
    """File the request of the submission this link confirms; returns it and the private status secret."""
    from tracker.geo import find_neighborhood
    from tracker.operations.outbox import send_email

    now = now or utcnow()
    resident = find_by_secret(secret, Resident.confirm_hash)
    if resident.state != "pending":
        raise Conflict("this request was already confirmed", code="already_confirmed")
    if _expired(resident, now):
        raise Conflict("this confirmation link has expired; please fill in the form again", code="expired")
    campaign = resident.campaign
    neighborhood = find_neighborhood(resident.nta_code)
    if campaign.agency is None or not campaign.agency.foil_email:
        raise Conflict("the campaign has no agency email to send requests to; nothing was filed")
    letter = letter_to_send(campaign, neighborhood, resident)
    title = f"Facial recognition in {neighborhood.name}, {neighborhood.borough} ({neighborhood.code})"
    # The team's copies name the pseudonym: the resident's details are for lawyers and admins only
    # (the Requester row), while the letter that leaves, kept byte for byte as evidence, names the resident.
    request = file_request(None, campaign.agency, title, _scrubbed(resident, letter), campaign=campaign,
                           visibility="public")
    request.nta_code, request.resident_id = neighborhood.code, resident.id
    body = (f"To the Records Access Officer of {campaign.agency.name}:\n\n{letter}\n\n"
            f"Replies to the reply address of this email reach the requester through {campaign.name}.\n")
    message = send_email(request, None, campaign.agency.foil_email,
                         f"Freedom of Information Law request: {title} ({request.reference})", body,
                         kind="request")
    message.body_text = _scrubbed(resident, body)
    resident.state, resident.confirmed_at = "confirmed", now
    status_secret = _issue_link(resident, "status")
    db.session.flush()
    audit.record(_resident_actor(resident), "resident.confirm", resident, request=request)
    queue_resident_email(resident, "confirmed")
    return resident, status_secret


def withdraw(resident: Resident) -> Request:
    """Withdraw the resident's request: logged on its timeline and told to the agency."""
    from tracker.operations.outbox import send_email

    request = resident.request
    if request is None or resident.state not in ("confirmed",):
        raise Conflict("there is no open request to withdraw")
    if request.status in ENDED:
        raise Conflict("this request is already withdrawn or closed", code="already_ended")
    record_event(request, "withdrawn", legal_today(), None, note=f"Withdrawn by the requester ({resident.pseudonym})")
    if request.agency.foil_email:
        send_email(request, None, request.agency.foil_email,
                   f"Withdrawal of FOIL request {request.reference}: {request.title}",
                   f"To the Records Access Officer of {request.agency.name}:\n\nThe requester withdraws the "
                   f"Freedom of Information Law request {request.reference} (\u201c{request.title}\u201d). "
                   "No further search is needed.\n", kind="followup")
    resident.state = "withdrawn"
    db.session.flush()
    audit.record(_resident_actor(resident), "resident.withdraw", resident, request=request)
    return request


def purge_unconfirmed(now: datetime | None = None) -> int:
    """Delete unconfirmed submissions older than RESIDENT_RETENTION_DAYS; returns how many."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["RESIDENT_RETENTION_DAYS"])
    result = db.session.execute(delete(Resident).where(Resident.state.in_(("pending", "expired")),
                                                       Resident.created_at < cutoff,
                                                       Resident.id.not_in(select(Request.resident_id).where(
                                                           Request.resident_id.is_not(None)))))
    db.session.flush()
    if result.rowcount:
        audit.record(None, "resident.purge_unconfirmed", None, changes={"deleted": result.rowcount})
    return result.rowcount or 0


def _resident_actor(resident: Resident) -> audit.Actor:
    return audit.Actor("anonymous", f"resident {resident.pseudonym}")
