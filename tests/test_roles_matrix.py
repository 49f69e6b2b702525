"""Every page × every role: who may open what. Routes are discovered from the app, so a new route that
is not in the table below fails this test until someone decides who may use it."""

from __future__ import annotations

from datetime import date

import pytest

ANON = "anonymous"
ROLES = (ANON, "admin", "lawyer", "volunteer", "researcher")
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {ANON}
TEAM = frozenset({"admin", "lawyer", "volunteer"})       # the campaign team: reads requests' internals
LEGAL = frozenset({"admin", "lawyer"})                   # files, edits, sends, appeals, sues
ADMIN = frozenset({"admin"})

# (endpoint, method) -> the roles allowed. Endpoints another area has not built yet are listed with the
# access the contracts give them; they are checked once they exist.
EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    ("auth.login", "GET"): EVERYONE,
    ("auth.login", "POST"): EVERYONE,
    ("auth.logout", "POST"): SIGNED_IN,
    ("auth.logout_everywhere", "POST"): SIGNED_IN,
    ("auth.invitation", "GET"): EVERYONE,
    ("auth.invitation", "POST"): EVERYONE,
    ("dashboard.index", "GET"): SIGNED_IN,
    ("requests.index", "GET"): SIGNED_IN,
    ("requests.view", "GET"): SIGNED_IN,          # the public request; researchers see its public metadata
    ("requests.notes", "GET"): TEAM,
    ("requests.notes", "POST"): TEAM,
    ("filing.new", "GET"): LEGAL,
    ("filing.new", "POST"): LEGAL,
    ("filing.log_event", "GET"): TEAM,
    ("filing.log_event", "POST"): TEAM,
    ("agencies.index", "GET"): SIGNED_IN,
    ("agencies.view", "GET"): SIGNED_IN,
    ("agencies.new", "GET"): LEGAL,
    ("agencies.new", "POST"): LEGAL,
    ("agencies.edit", "GET"): LEGAL,
    ("agencies.edit", "POST"): LEGAL,
    ("campaigns.index", "GET"): TEAM,
    ("campaigns.create", "POST"): LEGAL,
    ("campaigns.view", "GET"): TEAM,
    ("people.index", "GET"): ADMIN,
    ("people.invite", "POST"): ADMIN,
    ("people.role", "POST"): ADMIN,
    ("people.revoke", "POST"): ADMIN,
    ("people.active", "POST"): ADMIN,
    ("audit.index", "GET"): ADMIN,
    ("account.index", "GET"): SIGNED_IN,
    ("account.password", "POST"): SIGNED_IN,
    ("account.new_token", "POST"): SIGNED_IN,
    ("account.revoke", "POST"): SIGNED_IN,
    ("account.end", "POST"): SIGNED_IN,
    ("account.renew_calendar", "POST"): SIGNED_IN,
    # Mail (mail-out engineer)
    ("mail.triage", "GET"): TEAM,
    ("mail.rejected", "GET"): TEAM,
    ("mail.outgoing", "GET"): TEAM,
    ("mail.message", "GET"): TEAM,
    ("mail.raw", "GET"): TEAM,
    ("mail.attachment", "GET"): SIGNED_IN,        # documents.view, then the document's own visibility
    ("mail.assign", "POST"): TEAM,
    ("mail.redeliver", "POST"): TEAM,           # message.assign, like putting it on a request
    ("mail.resend", "POST"): LEGAL,
    ("mail.compose", "GET"): LEGAL,
    ("mail.compose", "POST"): LEGAL,
    # Appeals, litigation, calendar, exports, bulk
    ("appeals.index", "GET"): TEAM,
    ("appeals.view", "GET"): TEAM,
    ("appeals.view", "POST"): LEGAL,
    ("appeals.letter", "GET"): LEGAL,
    ("appeals.letter", "POST"): LEGAL,
    ("litigation.index", "GET"): LEGAL,           # Article 78 records: lawyers and admins only
    ("litigation.new", "GET"): LEGAL,
    ("litigation.new", "POST"): LEGAL,
    ("litigation.view", "GET"): LEGAL,
    ("litigation.view", "POST"): LEGAL,
    ("litigation.petition_docx", "GET"): LEGAL,  # the Article 78 petition draft (409 when none can be brought)
    ("litigation.petition_pdf", "GET"): LEGAL,
    ("litigation.request_petition_docx", "GET"): LEGAL,
    ("litigation.request_petition_pdf", "GET"): LEGAL,
    ("calendar.index", "GET"): SIGNED_IN,
    ("calendar.renew", "POST"): SIGNED_IN,
    ("calendar.feed", "GET"): EVERYONE,           # the secret in the URL is the credential
    ("calendar.campaign_feed", "GET"): EVERYONE,
    ("exports.requests_csv", "GET"): LEGAL,
    ("exports.bundle", "GET"): LEGAL,
    ("bulk.index", "GET"): TEAM,
    ("bulk.index", "POST"): TEAM,
    # Search and documents (search engineer)
    ("search.index", "GET"): SIGNED_IN,
    ("search.saved", "GET"): SIGNED_IN,
    ("search.save", "POST"): SIGNED_IN,
    ("search.delete", "POST"): SIGNED_IN,
    ("documents.view", "GET"): SIGNED_IN,
    ("documents.file", "GET"): SIGNED_IN,
    # The public side: everyone, signed in or not, while PUBLIC_PORTAL is on.
    ("public.index", "GET"): EVERYONE,
    ("public.campaign", "GET"): EVERYONE,
    ("public.neighborhood", "GET"): EVERYONE,
    ("public.generator", "GET"): EVERYONE,
    ("public.generator", "POST"): EVERYONE,
    ("public.confirm_page", "GET"): EVERYONE,
    ("public.confirm_page", "POST"): EVERYONE,
    ("public.status", "GET"): EVERYONE,
    ("public.withdraw_page", "POST"): EVERYONE,
    ("public.forget_page", "POST"): EVERYONE,
    ("public.check_email", "GET"): EVERYONE,
    ("public.link_again", "GET"): EVERYONE,
    ("public.link_again", "POST"): EVERYONE,
    ("demo_mail.mail", "GET"): LEGAL,
    ("forget_review.review", "GET"): LEGAL,               # every email sent, residents' included (a 404 unless demo)
    # Findings and scorecards: researchers, lawyers and admins make and verify findings; lawyers and admins
    # verify imported batches and delete; the open data and the public scorecard are for everyone.
    ("findings.index", "GET"): frozenset({"admin", "lawyer", "researcher"}),
    ("findings.create", "POST"): frozenset({"admin", "lawyer", "researcher"}),
    ("findings.verify", "POST"): frozenset({"admin", "lawyer", "researcher"}),
    ("findings.delete", "POST"): LEGAL,
    ("findings.verify_imported", "POST"): LEGAL,
    ("public.findings_geojson", "GET"): EVERYONE,
    ("public.findings_csv", "GET"): EVERYONE,
    ("public.agency_scorecard_page", "GET"): EVERYONE,
    ("public.agency_scorecard_json", "GET"): EVERYONE,
    ("public.search", "GET"): EVERYONE,
    ("public.document", "GET"): EVERYONE,
    ("residents.coverage", "GET"): TEAM,
    # Records in and letters out
    ("uploads.add", "GET"): TEAM,
    ("uploads.add", "POST"): TEAM,
    ("letters.view", "GET"): TEAM,
    ("letters.pdf", "GET"): TEAM,
    ("letters.edited_appeal_pdf", "POST"): LEGAL,  # the appeal text as edited, printed
    ("letters.file", "GET"): TEAM,
    ("letters.file", "POST"): TEAM,               # emailing needs message.send, recording event.create
    ("portal.confirm", "POST"): TEAM,
    ("page_images.image", "GET"): SIGNED_IN,      # documents.view, then the document's own visibility
    ("page_images.visibility", "POST"): LEGAL,
    ("documents.redaction_decision", "POST"): LEGAL,
    ("campaigns.letter", "POST"): LEGAL,
    ("residents.forget_resident", "POST"): LEGAL,
}

# Pages that serve stored files: the test world has no blobs, so an allowed role gets 404 (not 403) there.
SERVES_FILES = frozenset({"mail.raw", "mail.attachment", "documents.file", "page_images.image"})
# Pages whose emailed secret link is the only credential: the test world's made-up link is a 404 to all.
SECRET_LINKS = frozenset({"public.confirm_page", "public.status"})
# Pages that exist only when a setting or the record calls for them (a 404 here): the demonstration's
# mailbox, and the review before forgetting a request's resident (this world's request has none).
OFF_UNLESS_CONFIGURED = frozenset({"demo_mail.mail", "forget_review.review"})

# The JSON API authenticates by bearer token, not by the session these pages use; its own tests
# (tests/test_api_*.py) check every role there. Static files are public.
NOT_PAGES = ("api.", "static")


@pytest.fixture
def matrix_app(app_config, request):
    """The app without CSRF checks (so empty posts reach the permission check), with one of everything,
    and the public portal open."""
    app_config["WTF_CSRF_ENABLED"] = False
    app_config["PUBLIC_PORTAL"] = True
    return request.getfixturevalue("app")


@pytest.fixture
def world(matrix_app, make_user, make_agency, make_request):
    """A user per role, a public request with an appeal, a campaign, a lawsuit, a message and a document."""
    from tracker.dispatch import commit
    from tracker.extensions import db
    from tracker.models import Document, Litigation, Message, SavedSearch
    from tracker.operations import issue_token, record_event

    users = {role: make_user(role, f"{role}@example.org") for role in SIGNED_IN}
    feeds = make_user("lawyer", "feeds@example.org")  # never signs in, so its calendar secret stays put
    agency = make_agency()
    public = make_request(agency, received_on=date(2024, 3, 1), campaign="Matrix", visibility="public")
    record_event(public, "denied", date(2024, 3, 5), None, {"exemptions": ["87(2)(e)"]})
    record_event(public, "appeal_filed", date(2024, 3, 20), None, {"filed_by": "post"})
    message = Message(request_id=public.id, direction="in", status="delivered", subject="Your request",
                      from_addr="foil@agency.example.org", raw_sha256="0" * 64)
    db.session.add(message)
    db.session.flush()
    document = Document(request_id=public.id, message_id=message.id, filename="letter.pdf",
                        media_type="application/pdf", sha256="1" * 64, visibility="public")
    suit = Litigation(caption="Matrix v. Agency")
    suit.requests.append(public)
    db.session.add_all([document, suit])
    saved = SavedSearch(user=feeds, name="Matrix", query="contract")
    db.session.add(saved)
    from tracker.models import Finding

    finding = Finding(campaign_id=public.campaign_id, kind="camera", source="A published source",
                      nta_codes=["BK0101"], created_by_id=feeds.id)
    db.session.add(finding)
    token = issue_token(users["admin"], "matrix")
    from tracker.operations.sessions import open_session

    elsewhere = open_session(feeds, user_agent="another person's browser")  # ending it is refused (404)
    from tracker.operations.campaigns import update_campaign

    update_campaign(public.campaign, None, slug="ban-the-scan", agency_id=agency.id, public=True)
    commit()
    from tracker.models import ApiToken

    return {
        "users": users,
        "values": {
            "request_id": public.id, "agency_id": agency.id, "campaign_id": public.campaign_id,
            "user_id": users["volunteer"].id, "appeal_id": public.appeals[0].id, "litigation_id": suit.id,
            "message_id": message.id, "document_id": document.id, "token": "not-a-real-invitation",
            "token_id": db.session.scalar(db.select(ApiToken.id).where(ApiToken.token_hash != "")),
            "secret": feeds.calendar_secret, "filename": "style.css",
            # Someone else's saved search: deleting it is refused with a message, never a 403 or a 500.
            "saved_id": saved.id, "session_id": elsewhere.id,
            "slug": "ban-the-scan", "code": "BK0101", "link": "not-a-real-emailed-link",
            "kind": "request", "number": 1, "finding_id": finding.id,
        },
        "token": token,
    }


def page_rules(app):
    """Every (endpoint, method, rule) of the web pages."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(NOT_PAGES):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, rule


def test_every_page_has_an_entry(matrix_app):
    missing = sorted(f"{e} {m}" for e, m, _ in page_rules(matrix_app) if (e, m) not in EXPECTED)
    assert not missing, "routes without an entry in EXPECTED (decide who may use them): " + ", ".join(missing)


def _sign_in(client, user):
    response = client.post("/login", data={"email": user.email, "password": "correct horse battery"})
    assert response.status_code == 302, response.get_data(as_text=True)


def _url(rule, values):
    from flask import url_for

    unknown = set(rule.arguments) - set(values)
    assert not unknown, f"{rule.endpoint}: no test value for {sorted(unknown)}; add one to the world fixture"
    with matrix_app_context():
        return url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})


def matrix_app_context():
    from flask import current_app

    return current_app.test_request_context()


def _denied(response, role) -> bool:
    if role == ANON:
        return response.status_code == 302 and "/login" in response.headers.get("Location", "")
    return response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(matrix_app, world, role):
    client = matrix_app.test_client()
    if role != ANON:
        _sign_in(client, world["users"][role])
    failures = []
    for endpoint, method, rule in page_rules(matrix_app):
        expected = EXPECTED.get((endpoint, method))
        if expected is None:
            continue  # reported by test_every_page_has_an_entry
        url = _url(rule, world["values"])
        response = client.open(url, method=method, data={})
        allowed = role in expected
        if response.status_code >= 500:
            failures.append(f"{method} {url}: {response.status_code}")
        elif allowed and _denied(response, role):
            failures.append(f"{method} {url}: refused ({response.status_code}) but {role} may use it")
        elif allowed and method == "GET" and response.status_code not in (200, 302, 400, 409) and not (
                response.status_code == 404 and endpoint in SERVES_FILES | SECRET_LINKS | OFF_UNLESS_CONFIGURED):
            # 400: a broken invitation link; 409: nothing to appeal in this request's state.
            failures.append(f"{method} {url}: {response.status_code}")
        elif not allowed and not _denied(response, role):
            failures.append(f"{method} {url}: answered {response.status_code} but {role} may not use it")
        if endpoint in ("auth.logout", "auth.logout_everywhere") and allowed and role != ANON:
            _sign_in(client, world["users"][role])  # signed out by the check; sign in again
    assert not failures, f"{role}:\n" + "\n".join(failures)


@pytest.mark.parametrize("role,status", [("admin", 200), ("lawyer", 200), ("volunteer", 200),
                                         ("researcher", 404)])
def test_internal_requests_are_hidden_from_researchers(matrix_app, world, make_request, role, status):
    internal = make_request(title="Internal only", visibility="internal")
    client = matrix_app.test_client()
    _sign_in(client, world["users"][role])
    assert client.get(f"/requests/{internal.id}").status_code == status


@pytest.mark.parametrize("role,appeals,litigation", [("admin", 200, 200), ("lawyer", 200, 200),
                                                     ("volunteer", 200, 403), ("researcher", 403, 403)])
def test_api_appeals_and_litigation_follow_the_mission(matrix_app, world, api_as, role, appeals, litigation):
    """Volunteers read appeals and log appeal events; litigation records are for lawyers and admins."""
    api = api_as(role)
    assert api.get("/api/v1/appeals").status_code == appeals
    assert api.get(f"/api/v1/appeals/{world['values']['appeal_id']}").status_code == appeals
    assert api.get("/api/v1/litigation").status_code == litigation
    assert api.get(f"/api/v1/litigation/{world['values']['litigation_id']}").status_code == litigation
    if role == "volunteer":
        request_id = world["values"]["request_id"]
        logged = api.post(f"/api/v1/requests/{request_id}/events",
                          json={"type": "appeal_denied", "occurred_on": "2024-03-28"})
        assert logged.status_code == 201, logged.json
        assert logged.json["request"]["status"] == "appeal_denied"
