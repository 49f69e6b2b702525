"""Filing requests, logging what happened to them, and keeping their derived deadlines current."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import func, select

from tracker import audit, deadlines, lifecycle, permissions
from tracker.clock import legal_today
from tracker.dispatch import after_commit, lock_row
from tracker.extensions import db
from tracker.models import Agency, Appeal, Event, Request, TrackingNumber, User
from tracker.models.requests import REQUEST_VISIBILITIES
from tracker.operations.directory import find_campaign
from tracker.operations.errors import Conflict, Forbidden, Invalid
from tracker.operations.event_data import clean_event_data

MAX_TITLE = 500
# What the audit trail keeps of a request, before and after each edit.
AUDITED_FIELDS = ("title", "description", "visibility", "assignees", "campaign", "tracking_numbers")
# How a lawyer says an appeal was filed other than by email from here (an emailed appeal is logged by the
# mail-out task, with filed_by "email", once the mail server has accepted it).
FILED_BY = ("post", "portal", "hand")


# The holiday table ends in deadlines.LAST_YEAR; a date in its last year could still open a clock
# (four months, then GCL §25-a) that runs past the table, so the latest accepted date is a year earlier.
EARLIEST_DATE = date(deadlines.FIRST_YEAR, 1, 1)
LATEST_DATE = date(deadlines.LAST_YEAR - 1, 12, 31)


def parse_date(value, field: str) -> date:
    """A date from an ISO string (or a date) within the deadline calendar, or Invalid naming the field."""
    if isinstance(value, date):
        parsed = value
    elif not isinstance(value, str):
        raise Invalid(f"{field} must be a date written YYYY-MM-DD", code="invalid_date", field=field)
    else:
        try:
            parsed = date.fromisoformat(value.strip())
        except ValueError:
            raise Invalid(f"{field} {value!r} is not a real date written YYYY-MM-DD", code="invalid_date",
                          field=field) from None
    if not EARLIEST_DATE <= parsed <= LATEST_DATE:
        raise Invalid(f"the date {parsed.isoformat()} is outside the dates deadlines can be computed for "
                      f"({EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}); check the year",
                      code="invalid_date", field=field)
    return parsed


def _new_reference(request: Request) -> str:
    """FT-<year>-<id>-<check>: the random check part means nobody can write into a request by guessing
    its reference from the sequence."""
    import secrets

    from ingest.matching import CHECK_LENGTH, new_reference
    from ingest.tokens import ALPHABET

    check = "".join(secrets.choice(ALPHABET) for _ in range(CHECK_LENGTH))
    return new_reference(request.created_at.year, request.id, check)


def _new_reply_token() -> str:
    from ingest.tokens import new_token

    while True:
        token = new_token()
        if not db.session.scalar(select(Request.id).where(Request.reply_token == token)):
            return token


def _users_by_email(emails: Iterable[str]) -> list[User]:
    if isinstance(emails, str) or not isinstance(emails, list | tuple):
        raise Invalid("assignees must be a list of email addresses", field="assignees")
    users = []
    for email in emails:
        if not isinstance(email, str):
            raise Invalid("assignees must be a list of email addresses", field="assignees")
        user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise Invalid(f"no user has the email {email!r}", code="unknown_user", field="assignees")
        if user.role == "researcher":
            raise Invalid(f"{email} is a researcher and cannot be assigned requests", field="assignees")
        users.append(user)
    return users


def _tracking_rows(numbers) -> list[TrackingNumber]:
    if isinstance(numbers, str) or not isinstance(numbers, list | tuple):
        raise Invalid("tracking_numbers must be a list", field="tracking_numbers")
    rows, seen = [], set()
    for item in numbers:
        kind = "request"
        if isinstance(item, dict):
            kind, item = item.get("kind", "request"), item.get("number")
        if not isinstance(item, str) or not item.strip():
            raise Invalid("each tracking number must be non-empty text", field="tracking_numbers")
        if kind not in ("request", "appeal"):
            raise Invalid("a tracking number's kind is request or appeal", field="tracking_numbers")
        number = item.strip()
        if number.upper() not in seen:
            seen.add(number.upper())
            rows.append(TrackingNumber(number=number, kind=kind))
    return rows


def file_request(
    actor: User | None,
    agency: Agency,
    title: str,
    description: str = "",
    *,
    received_on: date | str | None = None,
    campaign=None,
    tracking_numbers=(),
    assignees=(),
    visibility: str = "internal",
) -> Request:
    """Open a request with an agency; with `received_on`, it is logged as submitted that day."""
    title = (title or "").strip()
    if not title:
        raise Invalid("a request needs a title", field="title")
    if len(title) > MAX_TITLE:
        raise Invalid(f"the title is longer than {MAX_TITLE} characters", field="title")
    if not isinstance(description, str):
        raise Invalid("description must be text", field="description")
    if visibility not in REQUEST_VISIBILITIES:
        raise Invalid(f"visibility must be one of {', '.join(REQUEST_VISIBILITIES)}", field="visibility")
    request = Request(
        agency=agency,
        title=title,
        description=description,
        reply_token=_new_reply_token(),
        visibility=visibility,
        created_by=actor,
    )
    if campaign is not None and campaign != "":
        request.campaign = find_campaign(campaign, create=True)
    request.tracking_numbers = _tracking_rows(tracking_numbers or ())
    request.assignees = _users_by_email(assignees or ())
    request.reference = "pending-" + request.reply_token
    db.session.add(request)
    db.session.flush()
    request.reference = _new_reference(request)
    audit.record(actor, "request.file", request, changes=audit.snapshot(request, AUDITED_FIELDS))
    _index_after_commit(request)  # staff search titles and descriptions
    if received_on is not None:
        record_event(request, "submitted", parse_date(received_on, "received_on"), actor)
    else:
        recompute(request)
    return request


def _facts(events: Iterable[Event]) -> list[lifecycle.EventFact]:
    return [lifecycle.EventFact(e.type, e.occurred_on, dict(e.data or {}), e.id) for e in events]


def request_state(request: Request, today: date | None = None, *, as_of: date | None = None
                  ) -> lifecycle.RequestState:
    """The request's status and deadlines today (or as they stood at the end of `as_of`)."""
    events = request.events
    if as_of is not None:
        events = [e for e in events if e.occurred_on <= as_of]
        today = as_of
    agency = request.agency
    return lifecycle.fold(_facts(events), today or legal_today(), agency.closures, calendar=agency.calendar)


def recompute(request: Request, today: date | None = None) -> lifecycle.RequestState:
    """Refresh the request's stored status and next deadline (a list index) and its appeals' outcomes.

    The stored values hold until `stale_on`, the day after the earliest deadline still to come; from
    that day readers recompute the row first (bring_up_to_date), so no list can disagree with a page.
    """
    today = today or legal_today()
    state = request_state(request, today)
    request.status = state.status
    upcoming = state.next_deadline
    request.next_deadline_on = upcoming.due_on if upcoming else None
    request.next_deadline_kind = upcoming.kind if upcoming else None
    coming = [d.due_on for d in state.open_deadlines if d.due_on >= today]
    request.stale_on = min(coming) + timedelta(days=1) if coming else None
    # POL §89(4)(b): no decision in time is a denial of the appeal; its record says so.
    for appeal in request.appeals:
        lapsed = appeal.filed_event_id in state.lapsed_appeals or (
            appeal.filed_event_id is None and state.status == "appeal_constructively_denied")
        if appeal.outcome == "pending" and lapsed:
            appeal.outcome = "constructively_denied"
    db.session.flush()
    return state


def bring_up_to_date(today: date | None = None) -> int:
    """Recompute every request whose stored status or next deadline ran out of date; how many.

    Called at the start of each web request, API call and listing task, before anything is read: a
    constructive denial shows on the day it happens everywhere, with no scheduler running. It is a unit
    of work of its own (a write one), so the caller's reads then see the refreshed rows.
    """
    from tracker.dispatch import rollback, unit_of_work

    today = today or legal_today()
    due = select(Request.id).where(Request.stale_on <= today)
    if db.session.scalar(due.limit(1)) is None:
        return 0
    rollback()  # nothing is pending this early; a read snapshot must not outlive the refresh
    with unit_of_work(write=True):
        ids = list(db.session.scalars(due.order_by(Request.id)))
        for request_id in ids:
            recompute(db.session.get(Request, request_id), today)
    return len(ids)


def recompute_agency(agency: Agency) -> None:
    """Recompute every request of an agency (its closure days changed)."""
    for request in db.session.scalars(select(Request).where(Request.agency_id == agency.id)):
        recompute(request)


def record_event(
    request: Request,
    event_type: str,
    occurred_on: date | str,
    actor: User | None,
    data: dict | None = None,
    note: str = "",
    *,
    message=None,
    today: date | None = None,
) -> Event:
    """Log what happened on a legal date; refuse what cannot follow the history, then recompute."""
    if not isinstance(event_type, str) or event_type not in lifecycle.EVENT_TYPES:
        raise Invalid(f"unknown event type {event_type!r}; known types: {', '.join(lifecycle.EVENT_TYPES)}",
                      code="unknown_event_type", field="type")
    if actor is not None and not permissions.can_log_event(actor, event_type):
        raise Forbidden(f"{event_type} is logged by lawyers and administrators only", field="type")
    occurred = parse_date(occurred_on, "occurred_on")
    clean = clean_event_data(event_type, data)
    if not isinstance(note, str):
        raise Invalid("note must be text", field="note")
    if event_type == "note" and not note.strip() and not clean:
        raise Invalid("a note needs some text", field="note")
    if event_type == "reasonably_described" and actor is not None and not permissions.can(actor, "appeal.manage"):
        raise Forbidden("only a lawyer can mark the request as reasonably described (which keeps the agency's "
                        "original clocks)", code="forbidden", field="type")
    today = today or legal_today()
    lock_history(request)
    submitted = request_state(request, today).received_on
    if submitted and occurred < submitted and event_type != "note":
        raise Invalid(f"{event_type} on {occurred.isoformat()} is before the agency received the request "
                      f"({submitted.isoformat()})", code="invalid_date", field="occurred_on")
    try:
        lifecycle.check_new_event(
            _facts(request.events), lifecycle.EventFact(event_type, occurred, clean), today,
            request.agency.closures, calendar=request.agency.calendar,
        )
    except lifecycle.IllegalTransition as exc:
        raise Conflict(str(exc), code="illegal_transition") from None
    if event_type == "appeal_filed":
        _check_filing(clean, message)
    event = Event(request=request, type=event_type, occurred_on=occurred, actor=actor, data=clean,
                  note=note.strip(), message_id=getattr(message, "id", None))
    db.session.add(event)
    db.session.flush()
    audit.record(actor, "event.record", event, request=request, changes={
        "type": event_type, "occurred_on": occurred, "data": clean, "note": event.note})
    _follow_up_records(request, event)
    recompute(request, today)
    if request.resident_id is not None:
        from tracker.public.notify import event_recorded

        event_recorded(request, event)  # the resident who asked hears of each step
    return event


def _check_filing(data: dict, message) -> None:
    """An appeal is filed when the mail server accepted it, or when a lawyer says how else it went."""
    if message is not None and message.direction == "out" and message.status == "sent":
        data["filed_by"] = "email"
        return
    if data.get("filed_by") not in FILED_BY:
        raise Invalid("say how the appeal was filed: data.filed_by is post, portal or hand, with the day it "
                      "was filed as occurred_on; an appeal emailed from here is logged when the mail server "
                      "accepts it", code="filed_by_required", field="data.filed_by")


def lock_history(request: Request) -> None:
    """Serialize changes to one request's history until the unit of work ends, and read it afresh.

    The check that an event may follow the history and its insert happen under this lock, so two
    clients logging at once cannot both pass the check (one filing never makes two appeals): a row lock
    on PostgreSQL; on SQLite the writing unit's BEGIN IMMEDIATE already holds the database's write lock.
    """
    if request.id is None:
        return  # a request being filed in this unit: nobody else can see it yet
    db.session.flush()
    lock_row(Request, request.id)
    db.session.expire(request, ["events", "appeals", "status", "next_deadline_on", "next_deadline_kind",
                                "stale_on"])


def _follow_up_records(request: Request, event: Event) -> None:
    """Keep the Appeal record in step with the appeal events of the timeline."""
    if event.type == "appeal_filed":
        received = date.fromisoformat(event.data.get("received_on", event.occurred_on.isoformat()))
        appeal = Appeal(request=request, filed_on=event.occurred_on, received_on=received,
                        tracking_number=str(event.data.get("tracking_number", "")),
                        letter=str(event.data.get("letter", "")), filed_event_id=event.id)
        db.session.add(appeal)
        db.session.flush()
        audit.record(event.actor, "appeal.file", appeal, request=request,
                     changes={"filed_by": event.data.get("filed_by"), "filed_on": appeal.filed_on,
                              "tracking_number": appeal.tracking_number})
    elif event.type in lifecycle.APPEAL_DECISIONS:
        pending = [a for a in request.appeals if a.outcome in ("pending", "constructively_denied")]
        if event.data.get("appeal_event_id") is not None:  # the appeal this answers, as the timeline reads it
            pending = [a for a in pending if a.filed_event_id == event.data["appeal_event_id"]]
        if pending:
            pending[-1].outcome = event.type.removeprefix("appeal_")
            pending[-1].decided_on = event.occurred_on


def update_request(request: Request, actor: User | None, **changes) -> Request:
    """Change a request's title, description, assignees, tracking numbers or visibility."""
    allowed = {"title", "description", "assignees", "tracking_numbers", "visibility", "campaign"}
    unknown = set(changes) - allowed
    if unknown:
        raise Invalid(f"these fields cannot be changed: {', '.join(sorted(unknown))}")
    before = audit.snapshot(request, AUDITED_FIELDS)
    if "title" in changes:
        title = changes["title"]
        if not isinstance(title, str) or not title.strip():
            raise Invalid("a request needs a title", field="title")
        request.title = title.strip()[:MAX_TITLE]
    if "description" in changes:
        if not isinstance(changes["description"], str):
            raise Invalid("description must be text", field="description")
        request.description = changes["description"]
    if "visibility" in changes:
        if changes["visibility"] not in REQUEST_VISIBILITIES:
            raise Invalid(f"visibility must be one of {', '.join(REQUEST_VISIBILITIES)}", field="visibility")
        request.visibility = changes["visibility"]
    if "assignees" in changes:
        request.assignees = _users_by_email(changes["assignees"])
    if "campaign" in changes:
        value = changes["campaign"]
        request.campaign = None if value in (None, "") else find_campaign(value, create=True)
    if "tracking_numbers" in changes:
        wanted = _tracking_rows(changes["tracking_numbers"])
        current = {t.number.upper(): t for t in request.tracking_numbers}
        request.tracking_numbers = [current.get(t.number.upper(), t) for t in wanted]
    db.session.flush()
    audit.record(actor, "request.update", request,
                 changes=audit.diff(before, audit.snapshot(request, AUDITED_FIELDS)))
    if {"title", "description", "campaign"} & set(changes):
        _index_after_commit(request)  # staff search titles and descriptions
    return request


def _index_after_commit(request: Request) -> None:
    """Have the index writer take the request's title and description after the commit."""
    after_commit("foiltrack.index.request", request.id)


def add_tracking_number(request: Request, number: str, kind: str = "request", actor=None
                        ) -> TrackingNumber | None:
    """Record a tracking number the agency used (no-op if the request already has it)."""
    number = number.strip()
    existing = db.session.scalar(
        select(TrackingNumber).where(TrackingNumber.request_id == request.id,
                                     func.upper(TrackingNumber.number) == number.upper())
    )
    if existing:
        return None
    if kind not in ("request", "appeal"):
        raise Conflict(f"unknown tracking number kind {kind!r}")
    row = TrackingNumber(request=request, number=number, kind=kind)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "tracking_number.add", row, request=request, changes={"number": number, "kind": kind})
    return row
