"""People (administrators): list them, deactivate or reactivate them; and the audit trail."""

from __future__ import annotations

from flask import g, jsonify, request
from sqlalchemy import select

from tracker import audit
from tracker.api import ApiError, bp, json_body, page_args, paginated, requires
from tracker.api.schemas import AuditList, Paged, UserPatch, described
from tracker.extensions import db
from tracker.models import User
from tracker.operations import set_active


def person(user: User) -> dict:
    """A person as the API gives them."""
    return {"id": user.id, "email": user.email, "name": user.name, "role": user.role, "active": user.active,
            "invited": not user.password_hash, "created_at": user.created_at.isoformat() + "Z"}


@bp.get("/users")
@requires("users.manage")
@described(query=Paged)
def list_users():
    """Everyone with an account, by email."""
    page, per_page = page_args()
    return jsonify(paginated(select(User).order_by(User.email), page, per_page, person))


@bp.patch("/users/<int:user_id>")
@requires("users.manage")
@described(body=UserPatch)
def patch_user(user_id: int):
    """Deactivate (`{"active": false}`: signed out everywhere, tokens refused) or reactivate a person."""
    user = db.session.get(User, user_id)
    if user is None:
        raise ApiError(404, "not_found", f"there is no user {user_id}")
    data = json_body()
    unknown = set(data) - {"active"}
    if unknown:
        raise ApiError(422, "invalid", f"these fields cannot be changed here: {', '.join(sorted(unknown))}",
                       field=sorted(unknown)[0])
    if "active" not in data:
        raise ApiError(422, "invalid", "send {\"active\": true} or {\"active\": false}", field="active")
    if user.id == g.api_user.id and data["active"] is False:
        raise ApiError(409, "conflict", "you cannot deactivate yourself; ask another administrator",
                       field="active")
    set_active(user, data["active"], actor=g.api_user)
    return jsonify(person(user))


def _id_filter(name: str) -> int | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 18:
        raise ApiError(400, "invalid_filter", f"{name} must be a {name} id", field=name)
    return int(value)


@bp.get("/audit")
@requires("users.manage")
@described(query=AuditList)
def list_audit():
    """The audit trail, newest first; `request=` and `user=` (actor or subject) filter it."""
    page, per_page = page_args()
    query = audit.trail(request_id=_id_filter("request"), user_id=_id_filter("user"))
    return jsonify(paginated(query, page, per_page, audit.as_dict))
