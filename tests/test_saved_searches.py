"""Saved-search alerts against a real SMTP server: one email per new match, never twice, never a leak."""

from __future__ import annotations

import pytest

from tests.search_support import add_pages

BOTH_SEARCH_ENGINES = True  # every test on Whoosh (SQLite) and PostgreSQL full-text search


@pytest.fixture
def mail_app(app_config, smtp_sink, request):
    app_config.update(SMTP_HOST=smtp_sink.host, SMTP_PORT=smtp_sink.port)
    return request.getfixturevalue("app")


@pytest.fixture
def foil(mail_app, make_agency, make_request):
    nypd = make_agency(name="New York City Police Department", short_name="NYPD")
    return make_request(agency=nypd, title="Cameras", campaign="Ban the Scan")


def save(user, query, **filters):
    from tracker.dispatch import commit
    from tracker.operations.saved_searches import save_search

    saved = save_search(user, query.title(), query, filters)
    commit()
    return saved


def test_one_email_per_new_match_and_never_twice(mail_app, smtp_sink, foil, make_user):
    from tracker.operations.saved_searches import alert_saved_searches

    add_pages(foil, ["An older page about drones."])  # before the search was saved: never alerted
    researcher = make_user("researcher", "res@example.org")
    save(researcher, "drone")
    assert alert_saved_searches() == []
    document = add_pages(foil, ["Parking tickets.", "The drone program's flight logs."])
    [outcome] = alert_saved_searches()
    assert (outcome.state, outcome.pages, outcome.email) == ("sent", 1, "res@example.org")
    [received] = smtp_sink.wait_for(1)
    msg = received.message
    assert msg["To"] == "res@example.org" and msg["Subject"] == "1 new page matches “Drone”"
    body = msg.get_content()
    assert "page 2" in body and "«drone»" in body
    assert f"http://tracker.test/documents/{document.id}?page=2&q=drone" in body
    assert "http://tracker.test/search/saved" in body
    assert alert_saved_searches() == []  # the same pages are never mailed again
    add_pages(foil, ["Nothing relevant here."])
    assert alert_saved_searches() == []
    add_pages(foil, ["A second drone memo.", "And a third drone page."])
    [outcome] = alert_saved_searches()
    assert outcome.pages == 2
    assert len(smtp_sink.wait_for(2)) == 2
    assert "2 new pages match" in smtp_sink.messages[1].message["Subject"]


def test_alerts_stay_within_what_the_owner_may_see(mail_app, smtp_sink, foil, make_user):
    from tracker.operations.saved_searches import alert_saved_searches

    researcher = make_user("researcher", "res@example.org")
    lawyer = make_user("lawyer", "law@example.org")
    save(researcher, "subpoena")
    save(lawyer, "subpoena")
    add_pages(foil, ["Privileged: subpoena strategy."], visibility="privileged")
    add_pages(foil, ["Internal: subpoena calendar."], visibility="internal")
    outcomes = {o.email: o for o in alert_saved_searches()}
    assert set(outcomes) == {"law@example.org"} and outcomes["law@example.org"].pages == 2
    add_pages(foil, ["Public: the subpoena was quashed."])
    outcomes = {o.email: o for o in alert_saved_searches()}
    assert outcomes["res@example.org"].pages == 1 and outcomes["law@example.org"].pages == 1
    received = smtp_sink.wait_for(3)
    for message in received:
        if message.message["To"] == "res@example.org":
            assert "Privileged" not in message.message.get_content()
            assert "Internal" not in message.message.get_content()


def test_filters_of_a_saved_search_apply(mail_app, smtp_sink, foil, make_agency, make_request, make_user):
    from tracker.operations.saved_searches import alert_saved_searches

    other = make_request(agency=make_agency(name="Department of Correction", short_name="DOC"))
    volunteer = make_user("volunteer", "vol@example.org")
    save(volunteer, "overtime", agency="DOC")
    add_pages(foil, ["NYPD overtime report."], visibility="internal")
    add_pages(other, ["DOC overtime report."], visibility="internal")
    [outcome] = alert_saved_searches()
    assert outcome.pages == 1
    body = smtp_sink.wait_for(1)[0].message.get_content()
    assert "Department of Correction" in body and "«overtime»" in body and "NYPD" not in body


@pytest.fixture
def unreachable_smtp_app(app_config, request):
    from tests.servers.ports import LOOPBACK, free_port

    app_config.update(SMTP_HOST=LOOPBACK, SMTP_PORT=free_port())  # nobody listens there
    return request.getfixturevalue("app")


def test_a_failed_send_is_tried_again_and_nothing_is_lost(unreachable_smtp_app, smtp_sink, make_user,
                                                          make_request):
    from tracker.operations.saved_searches import alert_saved_searches

    app = unreachable_smtp_app
    user = make_user("admin", "admin@example.org")
    saved = save(user, "settlement")
    add_pages(make_request(), ["The settlement amount."])
    [failed] = alert_saved_searches()
    assert failed.state == "failed" and failed.error
    from tracker.extensions import db
    from tracker.models import SavedSearch

    db.session.expire_all()
    assert db.session.get(SavedSearch, saved.id).last_page_id == 0  # the page was given back
    app.config.update(SMTP_HOST=smtp_sink.host, SMTP_PORT=smtp_sink.port)  # the server is back
    [sent] = alert_saved_searches()
    assert sent.state == "sent" and sent.pages == 1
    assert len(smtp_sink.wait_for(1)) == 1
    assert alert_saved_searches() == []


def test_the_celery_task_and_its_schedule(mail_app, smtp_sink, foil, make_user):
    from tracker.tasks import SCHEDULE

    assert any(entry["task"] == "foiltrack.search.alerts" for entry in SCHEDULE.values())
    save(make_user("lawyer", "law@example.org"), "audit")
    add_pages(foil, ["Audit findings."])
    celery = mail_app.extensions["celery"]
    assert celery.tasks["foiltrack.search.alerts"].delay().get() == {"sent": 1, "failed": 0}
    assert len(smtp_sink.wait_for(1)) == 1


def test_two_alert_runs_at_once_send_each_alert_once(mail_app, smtp_sink, foil, make_user):
    import threading

    from tracker.operations.saved_searches import alert_saved_searches

    owners = [make_user("lawyer", f"owner{n}@example.org") for n in range(6)]
    for owner in owners:
        save(owner, "drone")
    add_pages(foil, ["The drone program's flight logs."])
    start, results, errors = threading.Barrier(2), [], []

    def run():
        try:
            with mail_app.app_context():
                start.wait()
                results.extend(alert_saved_searches())
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    assert sorted(o.email for o in results) == sorted(o.email for o in owners)
    assert sorted(m.message["To"] for m in smtp_sink.wait_for(len(owners))) == sorted(o.email for o in owners)
    assert alert_saved_searches() == [] and len(smtp_sink.messages) == len(owners)
