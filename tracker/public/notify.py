"""Emails to residents: the confirmation link, then each step of their request, in their language.

Each email is a ResidentEmail row written in the same transaction as the change it reports, and sent
after the commit by the `foiltrack.public.resident_email` task (retried with back-off, and every quarter
of an hour by `foiltrack.public.retry_resident_emails`; a failure is recorded on the row, never reported
as sent). The row says only what the email is about: its text, with the resident's name and their link,
is written from the resident's state when it is sent, so no table keeps either. Residents' mail does not
go on the request's timeline: it is about the requester, not to the agency.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import Celery
from flask import current_app
from flask_babel import force_locale, gettext

from tracker.extensions import db
from tracker.models import Resident, ResidentEmail
from tracker.models.base import utcnow
from tracker.operations.forgetting import FINISH_TASK
from tracker.operations.resident_limits import take_resident_sending_place
from tracker.operations.residents import EMAIL_TASK, LINK_PURPOSES, link_for, queue_resident_email
from tracker.public.follow import sent_on_day
from tracker.public.words import long_date

log = logging.getLogger(__name__)

TASK_NAME = EMAIL_TASK
RETRY_TASK = "foiltrack.public.retry_resident_emails"
MAX_RETRIES = 5
# How long an email that could not be sent is tried again (a step's news is stale after that).
RETRY_FOR = timedelta(days=3)
# Events of a resident's request that they hear about, by the step's kind.
NOTIFIED_EVENTS = {
    "submitted": "filed", "acknowledged": "acknowledged", "extended": "extended", "records_released": "released",
    "granted": "released", "partially_granted": "released", "denied": "denied", "no_records": "denied",
    "appeal_filed": "appealed", "appeal_granted": "appeal_decided", "appeal_denied": "appeal_decided",
    "withdrawn": "withdrawn",
}


def _link(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path


class LinkEnded(Exception):
    """The link an email was to carry has ended (a newer one was issued, or the request moved on)."""


def compose(resident: Resident, kind: str) -> tuple[str, str]:
    """The email's subject and text in the current language, with the resident's live link."""
    from tracker.geo import find_neighborhood

    place = find_neighborhood(resident.nta_code)
    where = f"{place.name}, {place.borough}" if place else resident.nta_code
    campaign = resident.campaign.name
    request = resident.request
    reference = request.reference if request else ""
    sent_on = sent_on_day(request) if request else None
    agency = (request.agency.short_name or request.agency.name) if request else ""
    secret = link_for(resident, LINK_PURPOSES.get(resident.state, "status"))
    if (kind in ("confirm", "link") and secret is None) or (kind == "confirm" and resident.state != "pending"):
        raise LinkEnded(kind)
    status = (gettext("Follow your request here (keep this link private): %(url)s",
                      url=_link(f"/public/status/{secret}")) if secret else
              gettext("Follow your request with the private link in our earlier email."))
    if kind == "link" and resident.state == "pending":
        kind = "confirm"
    if kind == "link":
        return (gettext("Your private link to your records request %(ref)s", ref=reference),
                f"{gettext('Hello %(name)s,', name=resident.name)}\n\n"
                f"{gettext('You asked for your link again. Earlier links no longer work.')}\n\n{status}\n")
    if kind == "confirm":
        hours = current_app.config["RESIDENT_CONFIRM_HOURS"]
        return (gettext("Confirm your records request for %(place)s", place=where),
                gettext("Hello %(name)s,\n\nYou asked %(campaign)s to file a Freedom of Information Law "
                        "request in your name for the records about %(place)s. Nothing is sent until you "
                        "confirm. Open this link within %(hours)s hours to confirm:\n\n%(url)s\n\n"
                        "If you did not ask for this, ignore this email: your name and address will be "
                        "deleted after %(days)s days.", name=resident.name, campaign=campaign, place=where,
                        hours=hours, days=current_app.config["RESIDENT_RETENTION_DAYS"],
                        url=_link(f"/public/confirm/{secret}")))
    steps = {
        "confirmed": gettext("Thank you: your request %(ref)s for the records about %(place)s is confirmed. It "
                             "was sent to the %(agency)s on %(date)s.", ref=reference, place=where,
                             agency=agency, date=long_date(sent_on)) if sent_on else
        gettext("Thank you: your request %(ref)s for the records about %(place)s is confirmed and is being "
                "emailed to the agency. We will write again when it has gone out.", ref=reference, place=where),
        "filed": gettext("Your request %(ref)s for the records about %(place)s was emailed to the agency.",
                         ref=reference, place=where),
        "acknowledged": gettext("The agency acknowledged your request %(ref)s.", ref=reference),
        "extended": gettext("The agency extended the time to answer your request %(ref)s.", ref=reference),
        "released": gettext("The agency released records for your request %(ref)s. The campaign's team reviews "
                            "them; what it publishes appears on your neighborhood's public page.", ref=reference),
        "denied": gettext("The agency denied your request %(ref)s. The campaign's lawyers can appeal.",
                          ref=reference),
        "appealed": gettext("The campaign appealed the denial of your request %(ref)s.", ref=reference),
        "appeal_decided": gettext("The agency decided the appeal of your request %(ref)s.", ref=reference),
        "withdrawn": gettext("Your request %(ref)s was withdrawn.", ref=reference),
    }
    subject = gettext("Your records request %(ref)s: an update", ref=reference)
    return subject, f"{gettext('Hello %(name)s,', name=resident.name)}\n\n{steps[kind]}\n\n{status}\n"


def event_recorded(request, event) -> None:
    """Tell the request's resident about a step they care about (called by record_event)."""
    kind = NOTIFIED_EVENTS.get(event.type)
    resident = request.resident if request.resident_id else None
    if kind is None or resident is None or resident.state not in ("confirmed", "withdrawn"):
        return
    queue_resident_email(resident, kind)


def _queue_send(email_id: int) -> None:
    task = current_app.extensions["celery"].tasks[TASK_NAME]
    try:
        task.delay(email_id)
    except Exception as exc:  # noqa: BLE001 - the row stays queued and says why; `retry_unsent` sends it
        log.error("email to a resident (%s) was not handed to the task queue: %s", email_id, exc)


def send_now(email_id: int) -> str:
    """Send one queued resident email (the task's body); SendError propagates for the retry logic."""
    from ingest import smtp

    email = db.session.get(ResidentEmail, email_id)
    if email is None or email.status == "sent":
        return "nothing to send"
    resident = email.resident
    if not resident.email:
        email.status, email.reason = "failed", "the resident was forgotten before it was sent"
        return email.status
    if email.kind == "confirm" and not take_resident_sending_place(resident.campaign):
        # The campaign's hourly cap protects its sending reputation: the email waits for a free place
        # (the retry task hands it over again), and the resident's page says it goes out within the hour.
        email.reason = "waiting for a free place in the campaign's hourly sending limit"
        return "waiting"
    try:
        with force_locale(resident.language or "en"):
            subject, body = compose(resident, email.kind)
    except LinkEnded:
        email.status, email.reason = "failed", "its link had ended before it was sent (a newer email has one)"
        return email.status
    email.subject = subject
    message = smtp.build_message(to=[resident.email], subject=subject, body=body)
    smtp.send(message)
    email.status, email.sent_at, email.reason = "sent", utcnow(), ""
    return email.status


def retry_unsent() -> int:
    """Hand every resident email of the last RETRY_FOR not sent yet to the task queue again; how many."""
    since = utcnow() - RETRY_FOR
    rows = db.session.scalars(db.select(ResidentEmail.id).where(ResidentEmail.status != "sent",
                                                                 ResidentEmail.created_at >= since)).all()
    for email_id in rows:
        _queue_send(email_id)
    return len(rows)


def register(celery: Celery) -> None:
    """Declare the resident-email task and the daily purge of unconfirmed submissions."""

    @celery.task(name=TASK_NAME, bind=True, max_retries=MAX_RETRIES, acks_late=True, shared=False)
    def resident_email(self, email_id: int) -> str:
        """Send one resident email; temporary failures retry with back-off, then it is marked failed."""
        from ingest.smtp import SendError
        from tracker.dispatch import commit

        try:
            status = send_now(email_id)
        except SendError as exc:
            final = exc.permanent or self.request.retries >= self.max_retries
            email = db.session.get(ResidentEmail, email_id)
            email.status = "failed" if final else "queued"
            email.reason = f"try {self.request.retries + 1}: {exc.message}"
            commit()
            if final or self.request.is_eager:
                return email.status
            raise self.retry(exc=exc, countdown=60 * 2 ** self.request.retries) from exc
        commit()
        return status

    @celery.task(name=FINISH_TASK, shared=False, acks_late=True)
    def finish_forgetting(resident_id: int, old_blobs: list[str], tables: list[str]) -> str:
        """After a resident is forgotten: old blobs, the search index, the database's files."""
        from tracker.dispatch import commit
        from tracker.public.forgotten import finish

        done = finish(resident_id, old_blobs, tables)
        commit()
        return done

    @celery.task(name=RETRY_TASK, shared=False)
    def retry_resident_emails() -> int:
        """Hand every resident email not yet sent to the sending task again."""
        return retry_unsent()

    @celery.task(name="foiltrack.public.purge_unconfirmed", shared=False)
    def purge_unconfirmed() -> int:
        """Delete unconfirmed resident submissions past RESIDENT_RETENTION_DAYS."""
        from tracker.dispatch import commit
        from tracker.operations.residents import purge_unconfirmed as run

        removed = run()
        commit()
        return removed
