"""How records look in the JSON API."""

from __future__ import annotations

from flask import current_app

from tracker.models import Agency, Event, Request


def iso(value):
    """A date or datetime as ISO 8601, or None."""
    return value.isoformat() if value is not None else None


def agency(a: Agency) -> dict:
    return {
        "id": a.id,
        "name": a.name,
        "short_name": a.short_name,
        "jurisdiction": a.jurisdiction,
        "foil_email": a.foil_email,
        "appeals_email": a.appeals_email,
        "appeals_officer": a.appeals_officer,
        "appeals_address": a.appeals_address,
        "portal_url": a.portal_url,
        "tracking_patterns": list(a.tracking_patterns or []),
        "closure_days": list(a.closure_days or []),
        "senders": list(a.senders or []),
        "closure_calendar": a.calendar,
    }


def reply_address(r: Request) -> str:
    """The per-request reply address (foil+<token>@domain), from MAIL_DOMAIN and REPLY_ADDRESS."""
    config = current_app.config
    return config["REPLY_ADDRESS"].format(token=r.reply_token.lower(), domain=config["MAIL_DOMAIN"])


def event(e: Event, *, with_note: bool = True) -> dict:
    return {
        "id": e.id,
        "type": e.type,
        "occurred_on": iso(e.occurred_on),
        "recorded_at": iso(e.recorded_at),
        "actor": e.actor.email if e.actor else None,
        "data": dict(e.data or {}),
        "note": e.note if with_note else None,
        "message_id": e.message_id,
    }


def request_summary(r: Request) -> dict:
    return {
        "id": r.id,
        "reference": r.reference,
        "title": r.title,
        "agency_id": r.agency_id,
        "agency": r.agency.short_name,
        "campaign": r.campaign.name if r.campaign else None,
        "status": r.status,
        "next_deadline": {"kind": r.next_deadline_kind, "due_on": iso(r.next_deadline_on)}
        if r.next_deadline_on else None,
        "tracking_numbers": [t.number for t in r.tracking_numbers],
        "visibility": r.visibility,
    }


def request_public(r: Request) -> dict:
    """What a researcher may read of a public request: its public metadata only."""
    return {
        "id": r.id,
        "reference": r.reference,
        "title": r.title,
        "agency": r.agency.short_name,
        "status": r.status,
        "tracking_numbers": [t.number for t in r.tracking_numbers],
    }


def request_detail(r: Request, state, *, messages=(), with_notes: bool = True) -> dict:
    body = request_summary(r)
    upcoming = state.next_deadline
    body.update(
        # From the fold itself: the very facts the deadlines below come from, as of the same day.
        status=state.status,
        next_deadline={"kind": upcoming.kind, "due_on": iso(upcoming.due_on)} if upcoming else None,
        description=r.description,
        reply_address=reply_address(r),
        tracking_numbers=[t.number for t in r.tracking_numbers],
        tracking_number_kinds={t.number: t.kind for t in r.tracking_numbers},
        assignees=[u.email for u in r.assignees],
        received_on=iso(state.received_on),
        constructive_denial=state.constructive_denial,
        fee_pending=state.fee_pending,
        clarification_pending=state.clarification_pending,
        pages_released=state.pages_released,
        deadlines=[d.as_dict() for d in state.deadlines],
        # What the agency's dates or answers get wrong (tracker.lifecycle.request_warnings): never blocking.
        warnings=[w.as_dict() for w in state.warnings],
        # Empty, or where the stored history stops making sense and why (the rest is folded up to there).
        inconsistency=state.inconsistency,
        events=[event(e, with_note=with_notes) for e in r.events],
        messages=list(messages),
        created_at=iso(r.created_at),
    )
    return body
