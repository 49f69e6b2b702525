"""tracker.dispatch: one unit of work per request, command and task; named jobs leave only after its commit."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tracker.dispatch import Job, after_commit, commit, queued_jobs, rollback, unit_of_work, when_not_handed_over

BOTH_DATABASES = True


@pytest.fixture
def ran(app):
    """Test tasks declared on the app's Celery (eager): `tests.record` notes its argument, `tests.refuse` fails."""
    celery = app.extensions["celery"]
    seen: list = []

    @celery.task(name="tests.record", shared=False)
    def record(value):
        seen.append(value)

    @celery.task(name="tests.refuse", shared=False)
    def refuse(value):
        raise OSError(f"broker refused {value}")

    return seen


def test_jobs_run_after_the_commit_and_never_after_a_rollback(ran):
    after_commit("tests.record", "dropped")
    rollback()
    assert ran == []
    after_commit("tests.record", "sent")
    assert queued_jobs() == [Job("tests.record", ("sent",))]
    assert ran == []  # nothing leaves before the commit
    commit()
    assert ran == ["sent"]


def test_a_job_is_a_task_name_and_json_arguments(app):
    from tracker.extensions import db
    from tracker.models.work import PendingWork

    job = after_commit("foiltrack.index.document", 12)
    assert json.loads(job.as_json()) == {"task": "foiltrack.index.document", "args": [12]}
    # Written in the same transaction, so the job exists exactly when the change that asked for it does.
    row = db.session.get(PendingWork, job.work_id)
    assert (row.task, row.args, row.done_at) == ("foiltrack.index.document", [12], None)
    with pytest.raises(TypeError):
        after_commit("foiltrack.index.document", object())  # refused when queued, not after the commit
    rollback()
    assert db.session.get(PendingWork, job.work_id) is None


def test_a_failing_job_stops_no_other_and_is_not_raised(ran, caplog):
    # Twenty follow-ups committed together: the broker refusing the second must not strand the others,
    # and the caller, whose data is committed, is not told that its work failed.
    after_commit("tests.record", 1)
    after_commit("tests.refuse", 2)
    after_commit("tests.record", 3)
    failed = commit()
    assert ran == [1, 3]
    assert failed == [Job("tests.refuse", (2,))]
    # The refused job stays pending for the sweeper; the others are done.
    from tracker.pending_work import open_work

    assert [(w.task, w.args) for w in open_work()] == [("tests.refuse", [2])]
    assert any("tests.refuse" in r.getMessage() for r in caplog.records)


def test_the_owner_of_a_job_records_that_it_was_not_handed_over(app, ran, make_request):
    from tracker.extensions import db
    from tracker.models import Request

    request = make_request(title="Before")
    request_id = request.id

    @when_not_handed_over("tests.refuse")
    def note(request_id, *, reason):
        db.session.get(Request, request_id).title = f"not queued: {reason}"

    after_commit("tests.refuse", request_id)
    commit()
    db.session.expire_all()
    assert db.session.get(Request, request_id).title == "not queued: OSError: broker refused " + str(request_id)


def test_a_unit_of_work_rolls_back_on_an_error_and_drops_its_jobs(app, ran):
    from tracker.extensions import db
    from tracker.models import Agency

    before = db.session.scalar(select(func.count(Agency.id)))
    with pytest.raises(RuntimeError), unit_of_work():
        db.session.add(Agency(name="Half done", short_name="HD"))
        db.session.flush()
        after_commit("tests.record", "never")
        raise RuntimeError("the operation broke halfway")
    assert db.session.scalar(select(func.count(Agency.id))) == before
    assert ran == []


def test_a_refused_form_keeps_nothing_and_a_good_one_is_committed(app, client, login, make_request):
    from tracker.extensions import db
    from tracker.models import Event

    login("lawyer")
    request = make_request()
    page = client.get(f"/requests/{request.id}/notes")
    refused = client.post(f"/requests/{request.id}/notes", data={"note": "", "csrf_token": csrf_token(page)})
    assert refused.status_code == 422
    kept = client.post(f"/requests/{request.id}/notes", data={"note": "Called the officer",
                                                              "csrf_token": csrf_token(page)})
    assert kept.status_code == 302
    rollback()  # whatever this session holds, the database must have the note
    notes = db.session.scalars(select(Event.note).where(Event.request_id == request.id, Event.type == "note"))
    assert list(notes) == ["Called the officer"]


def test_an_api_error_after_a_flush_keeps_nothing(app, api_as, make_request):
    from tracker.extensions import db
    from tracker.models import Request

    api = api_as("lawyer")
    request = make_request(title="Original title")
    # The title is set (and flushed by the assignee lookup) before the unknown assignee is refused.
    answer = api.patch(f"/api/v1/requests/{request.id}", json={"title": "Changed", "assignees": ["x@nowhere.org"]})
    assert answer.status_code == 422, answer.get_json()
    rollback()
    assert db.session.scalar(select(Request.title).where(Request.id == request.id)) == "Original title"


def test_each_cli_command_is_one_unit(app, runner):
    from tracker.extensions import db
    from tracker.models import User

    done = runner.invoke(args=["users", "create", "cli@example.org", "--role", "volunteer", "--no-password"])
    assert done.exit_code == 0, done.output
    rollback()
    assert db.session.scalar(select(User.role).where(User.email == "cli@example.org")) == "volunteer"
    refused = runner.invoke(args=["users", "create", "cli@example.org", "--role", "lawyer", "--no-password"])
    assert refused.exit_code != 0
    rollback()
    assert db.session.scalar(select(User.role).where(User.email == "cli@example.org")) == "volunteer"
