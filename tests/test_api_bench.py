"""bench/api_bench.py loads its data by the legal day of the app's time zone, in one unit of work."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import Event, Request, User

BENCH = Path(__file__).resolve().parents[1] / "bench" / "api_bench.py"


@pytest.fixture
def api_bench():
    spec = importlib.util.spec_from_file_location("api_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def behind_utc(app_config):
    # Twelve hours behind UTC: before noon UTC the legal day is the day before the machine's UTC date,
    # as it is every evening in New York.
    app_config.update(TIMEZONE="Etc/GMT+12")


def test_events_are_never_dated_after_the_legal_day(behind_utc, app, api_bench):
    api_bench.load(app, 120)
    legal_today = datetime.now(UTC).astimezone(ZoneInfo("Etc/GMT+12")).date()
    assert db.session.scalar(select(func.count(Request.id))) == 120
    assert db.session.scalar(select(func.max(Event.occurred_on))) <= legal_today


def test_a_failure_part_way_commits_nothing(app, api_bench, monkeypatch):
    import tracker.operations as operations

    real = operations.record_event
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) > 700:  # past the first flush of 500 requests
            raise RuntimeError("the database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(operations, "record_event", failing)
    with pytest.raises(RuntimeError, match="went away"):
        api_bench.load(app, 1000)
    db.session.remove()
    assert db.session.scalar(select(func.count(Request.id))) == 0
    assert db.session.scalar(select(func.count(User.id))) == 0
