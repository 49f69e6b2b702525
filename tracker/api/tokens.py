"""My API tokens through the API: list them, issue one (the password again unless the calling token is
itself fresh from a password check), revoke one.

Issuing a token needs the password (`password` in the body) unless the calling token was issued less than
10 minutes ago right after its maker's password was checked: a token issued without the password (by
another token, or by the command line) never lets its holder issue more without it, so a stolen token
cannot mint long-lived successors. Wrong passwords count as failed sign-ins.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from flask import g, jsonify, request
from pydantic import Field

from tracker.api import bp, error_response, json_body, page_args, paginated
from tracker.api.schemas import Body, Paged, described
from tracker.models import ApiToken
from tracker.models.base import utcnow
from tracker.operations import OperationError, revoke_token
from tracker.operations.accounts import new_token, tokens_of
from tracker.operations.sessions import check_password_again, is_fresh


class TokenCreate(Body):
    label: Annotated[str, Field(max_length=200, description="what the token is for")] = ""
    days: Annotated[int, Field(ge=1, le=100_000, description="days it works; at most FOILTRACK_TOKEN_DAYS, "
                                                            "which is also the default")] | None = None
    password: Annotated[str, Field(max_length=1000, description="your password; needed unless the calling "
                                                                "token is fresh from a password check")] = ""


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() + "Z" if moment is not None else None


def token_json(token: ApiToken, now: datetime | None = None) -> dict:
    """A token as the API shows it (never its secret, which only its issue answer holds)."""
    now = now or utcnow()
    current = getattr(g, "api_token", None)
    return {"id": token.id, "label": token.label, "state": token.state(now), "created_at": _iso(token.created_at),
            "expires_at": _iso(token.expires_at), "last_used_at": _iso(token.last_used_at),
            "revoked_at": _iso(token.revoked_at), "current": current is not None and current.id == token.id}


@bp.get("/tokens")
@described(query=Paged)
def list_tokens():
    """My API tokens, the newest first, with their state (`active`, `expired`, `revoked`)."""
    page, per_page = page_args()
    now = utcnow()
    return jsonify(paginated(tokens_of(g.api_user), page, per_page, lambda t: token_json(t, now)))


@bp.post("/tokens")
@described(body=TokenCreate)
def create_token():
    """Issue an API token for me; the answer holds its secret, shown only this once.

    Send `password` unless the calling token was issued less than 10 minutes ago right after a password
    check; `days` may shorten its life below FOILTRACK_TOKEN_DAYS, never lengthen it.
    """
    data, me, now = json_body(), g.api_user, utcnow()
    if is_fresh(g.api_token.password_checked_at, now):
        checked = None  # issued on the strength of a fresh token: its holder types the password for the next
    else:
        try:
            checked = check_password_again(me, data.get("password", ""), request.remote_addr or "unknown", now)
        except OperationError as exc:
            # Answered, not raised: a wrong password is counted and audited, so this refusal is committed.
            return error_response(exc.status, exc.code, exc.message, exc.field)
    token, secret = new_token(me, data.get("label", "") or "api", actor=me, days=data.get("days"),
                              password_checked_at=checked, now=now)
    return jsonify({**token_json(token, now), "token": secret}), 201


@bp.delete("/tokens/<int:token_id>")
def delete_token(token_id: int):
    """Revoke one of my API tokens (this one too, if asked); it stops working at once."""
    token = revoke_token(token_id, g.api_user, owner=g.api_user)
    return jsonify(token_json(token))
