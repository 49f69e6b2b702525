"""The audit trail: every operation leaves a row naming its actor; admins read it on a page, through the
API and in a request's evidence bundle."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from tests import ingest_support as support
from tests.conftest import PASSWORD, csrf_token
from tests.ingest_support import build_email, pdf_attachment, reply_address

search_service = support.search_service  # fixture: the real search service, calls written down

BOTH_DATABASES = True


def newest(action: str):
    """The latest audit row for `action` (it must exist)."""
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.models import AuditEntry

    db.session.expire_all()
    row = db.session.scalar(select(AuditEntry).where(AuditEntry.action == action)
                            .order_by(AuditEntry.id.desc()).limit(1))
    assert row is not None, f"no audit row for {action}"
    return row


@pytest.fixture
def world(app, db_backend, make_user, make_agency):
    from tracker.dispatch import commit
    from tracker.operations import file_request, record_event

    admin, lawyer = make_user("admin"), make_user("lawyer")
    agency = make_agency(name="New York City Police Department", short_name="NYPD")
    request = file_request(lawyer, agency, "Facial recognition contracts", "All contracts.",
                           received_on="2024-01-08")
    record_event(request, "denied", "2024-01-20", lawyer, {"exemptions": ["87(2)(e)"]})
    commit()
    return {"admin": admin, "lawyer": lawyer, "agency": agency, "request": request}


def _operations(world, app):
    """(what, do(), expected action, expected actor label): every kind of operation, done by its actor."""
    from tracker import audit
    from tracker.operations import (
        calendar_secret,
        create_agency,
        create_campaign,
        create_user,
        end_sessions,
        file_request,
        issue_token,
        record_event,
        revoke_token,
        set_active,
        set_role,
        update_agency,
        update_request,
    )
    from tracker.operations.appeals import file_appeal, update_appeal
    from tracker.operations.campaigns import update_campaign
    from tracker.operations.documents import add_document, set_visibility
    from tracker.operations.litigation import create_litigation, update_litigation
    from tracker.operations.mail import assign_message, deliver_raw, reject
    from tracker.operations.outbox import send_email
    from tracker.operations.people import change_password
    from tracker.operations.request_letters import set_campaign_letter
    from tracker.operations.saved_searches import delete_search, save_search

    admin, lawyer, agency, req = world["admin"], world["lawyer"], world["agency"], world["request"]
    cli = audit.cli_actor()
    state = {}

    def new_user():
        state["user"] = create_user("new.person@example.org", "volunteer", actor=admin)

    def deliver_stranger():
        raw = build_email(to="campaign@foil.example.org", subject="Hello", sender="someone@example.net")
        state["stranger"], _ = deliver_raw(raw)

    def upload():
        filename, content, _, _ = pdf_attachment(["Released page"])
        state["document"] = add_document(content, filename, request=req, actor=lawyer, queue_extraction=False)

    def lawsuit():
        state["suit"] = create_litigation(lawyer, "Amnesty v. NYPD", request_ids=[req.id])

    def search():
        state["saved"] = save_search(lawyer, "contracts", "contract")

    def appeal():
        file_appeal(req, lawyer, "appeals@nypd.example.org", "FOIL appeal", "We appeal.")

    return [
        ("create a user", new_user, "user.create", admin.email),
        ("change a role", lambda: set_role(state["user"], "lawyer", actor=admin), "user.role", admin.email),
        ("deactivate", lambda: set_active(state["user"], False, actor=cli), "user.deactivate", cli.label),
        ("reactivate", lambda: set_active(state["user"], True, actor=admin), "user.reactivate", admin.email),
        ("sign out everywhere", lambda: end_sessions(lawyer, actor=lawyer), "user.sign_out_everywhere",
         lawyer.email),
        ("change a password", lambda: change_password(lawyer, PASSWORD, "a brand new passphrase", actor=lawyer),
         "user.password", lawyer.email),
        ("issue a token", lambda: state.setdefault("token", issue_token(lawyer, "laptop", actor=lawyer)),
         "token.issue", lawyer.email),
        ("revoke a token", lambda: revoke_token(max(t.id for t in lawyer.tokens), actor=admin), "token.revoke",
         admin.email),
        ("renew a calendar", lambda: calendar_secret(lawyer, renew=True, actor=lawyer), "calendar.renew",
         lawyer.email),
        ("create an agency", lambda: create_agency(lawyer, name="Department of Correction"), "agency.create",
         lawyer.email),
        ("edit an agency", lambda: update_agency(agency, lawyer, appeals_officer="Records Access Appeals Officer"),
         "agency.update", lawyer.email),
        ("create a campaign", lambda: state.setdefault("campaign", create_campaign("Drones", actor=lawyer)),
         "campaign.create", lawyer.email),
        ("edit a campaign", lambda: update_campaign(state["campaign"], admin, description="Drone records"),
         "campaign.update", admin.email),
        ("set its letter", lambda: set_campaign_letter(state["campaign"], lawyer, letterhead="Campaign HQ"),
         "campaign.request_letter", lawyer.email),
        ("file a request", lambda: file_request(lawyer, agency, "Drone logs"), "request.file", lawyer.email),
        ("edit a request", lambda: update_request(req, lawyer, visibility="public", title="FR contracts"),
         "request.update", lawyer.email),
        ("log an event", lambda: record_event(req, "note", "2024-01-21", admin, note="Called the officer"),
         "event.record", admin.email),
        ("email the agency", lambda: send_email(req, lawyer, "foil@nypd.example.org", "Status?", "Any news?"),
         "email.queue", lawyer.email),
        ("queue an appeal email", appeal, "appeal.queue", lawyer.email),
        ("log an appeal filed by post", lambda: record_event(req, "appeal_filed", "2024-01-26", lawyer,
                                                             {"filed_by": "post"}), "event.record", lawyer.email),
        ("edit an appeal", lambda: update_appeal(req.appeals[-1], lawyer, tracking_number="FOIL-A-1"),
         "appeal.update", lawyer.email),
        ("open a lawsuit", lawsuit, "litigation.create", lawyer.email),
        ("edit a lawsuit", lambda: update_litigation(state["suit"], lawyer, index_number="156672/2021"),
         "litigation.update", lawyer.email),
        ("add a document", upload, "document.add", lawyer.email),
        ("change who sees it", lambda: set_visibility(state["document"], "privileged", lawyer),
         "document.visibility", lawyer.email),
        ("mail arrives", deliver_stranger, "message.receive", "system"),
        ("assign mail", lambda: assign_message(state["stranger"], req, admin), "message.assign", admin.email),
        ("unreadable mail", lambda: reject("f" * 64, 10, "not an email"), "message.reject", "system"),
        ("save a search", search, "saved_search.create", lawyer.email),
        ("delete a search", lambda: delete_search(lawyer, state["saved"].id), "saved_search.delete",
         lawyer.email),
    ]


def test_every_operation_leaves_an_audit_row_with_its_actor(app, world, search_service):
    from tracker.dispatch import commit

    for what, do, action, actor in _operations(world, app):
        do()
        commit()
        row = newest(action)
        assert row.actor_label == actor, f"{what}: recorded {row.actor_label}, not {actor}"
        assert row.actor_kind == ("user" if "@" in actor else "cli" if "command line" in actor else "system")
    edit = newest("request.update")
    assert edit.changes["visibility"] == {"before": "internal", "after": "public"}
    assert edit.changes["title"] == {"before": "Facial recognition contracts", "after": "FR contracts"}
    assert "description" not in edit.changes  # only what changed
    assert edit.request_id == world["request"].id
    agency = newest("agency.update")
    assert agency.changes["appeals_officer"]["after"] == "Records Access Appeals Officer"
    assert newest("user.role").changes == {"role": {"before": "volunteer", "after": "lawyer"}}
    assert newest("message.assign").request_id == world["request"].id


def test_an_operation_refused_leaves_no_row(app, world):
    from sqlalchemy import func, select

    from tracker.dispatch import rollback
    from tracker.extensions import db
    from tracker.models import AuditEntry
    from tracker.operations import Invalid, update_request

    before = db.session.scalar(select(func.count(AuditEntry.id)))
    with pytest.raises(Invalid):
        update_request(world["request"], world["lawyer"], visibility="everyone")
    rollback()
    assert db.session.scalar(select(func.count(AuditEntry.id))) == before


def test_api_lists_the_trail_by_request_and_person_for_admins_only(app, client, world, api_as, make_request):
    from tracker.dispatch import commit
    from tracker.operations import issue_token, update_request

    admin, lawyer, req = world["admin"], world["lawyer"], world["request"]
    other = make_request(title="Something else")
    update_request(other, admin, title="Something else again")
    commit()
    token = issue_token(admin, "audit", actor=admin)
    commit()
    headers = {"Authorization": f"Bearer {token}"}

    mine = client.get(f"/api/v1/audit?request={req.id}", headers=headers).json
    assert mine["total"] == len(mine["items"]) >= 3 and mine["page"] == 1
    assert {i["request_id"] for i in mine["items"]} == {req.id}
    assert {"request.file", "event.record"} <= {i["action"] for i in mine["items"]}
    filed = next(i for i in mine["items"] if i["action"] == "request.file")
    assert filed["actor"] == {"kind": "user", "id": lawyer.id, "label": lawyer.email}

    by_admin = client.get(f"/api/v1/audit?user={admin.id}&per_page=1", headers=headers).json
    assert by_admin["per_page"] == 1 and len(by_admin["items"]) == 1 and by_admin["total"] >= 2
    assert by_admin["items"][0]["action"] == "token.issue"  # newest first
    assert client.get("/api/v1/audit?user=x", headers=headers).status_code == 400
    assert api_as("lawyer").get("/api/v1/audit").status_code == 403


def test_admin_page_and_evidence_bundle_show_the_trail(app, world):
    from tracker.dispatch import commit
    from tracker.operations import update_request

    admin, lawyer, req = world["admin"], world["lawyer"], world["request"]
    update_request(req, lawyer, visibility="public")
    commit()
    client = app.test_client()
    page = client.get("/login")
    client.post("/login", data={"email": admin.email, "password": PASSWORD, "csrf_token": csrf_token(page)})
    html = client.get(f"/audit/?request={req.id}").get_data(as_text=True)
    assert "request.update" in html and "internal → public" in html and lawyer.email in html
    assert client.get(f"/audit/?user={lawyer.id}").status_code == 200

    bundle = zipfile.ZipFile(io.BytesIO(client.get(f"/requests/{req.id}/bundle.zip").data))
    trail = json.loads(bundle.read("audit.json"))
    assert [e["action"] for e in trail][:2] == ["request.file", "event.record"]  # oldest first
    assert trail[-1]["changes"]["visibility"] == {"before": "internal", "after": "public"}
    assert "audit.json" in bundle.read("SHA256SUMS").decode()


def test_mail_delivered_to_a_request_is_on_its_trail_as_the_system(app, world, search_service):
    from tracker.dispatch import commit
    from tracker.operations.mail import deliver_raw

    deliver_raw(build_email(to=reply_address(world["request"]), subject="Your FOIL request"))
    commit()
    row = newest("message.receive")
    assert (row.actor_kind, row.request_id) == ("system", world["request"].id)
    assert row.changes["status"] == "delivered"
    assert newest("event.record").actor_kind == "system"


def test_no_actor_is_the_command_line_inside_a_command_and_the_system_elsewhere(app, world):
    from tracker import audit

    assert audit.record(None, "test.outside").actor_kind == "system"
    with audit.acting_from_command_line():
        inside = audit.record(None, "test.inside")
    assert inside.actor_kind == "cli" and inside.actor_label.startswith("command line (")
    assert audit.record(None, "test.after").actor_kind == "system"
    # Every foiltrack command runs that way (a Celery worker, also a click program, does not).
    assert all(getattr(c.callback, "foiltrack_command_line", False)
               for c in [*app.cli.commands["users"].commands.values(), app.cli.commands["reminders"]])
    result = app.test_cli_runner().invoke(args=["users", "create", "cli.made@example.org", "--role", "researcher",
                                                "--no-password"])
    assert result.exit_code == 0, result.output
    assert newest("user.create").actor_kind == "cli"
