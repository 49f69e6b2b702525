"""tracker.dispatch: follow-up work runs only after a successful commit, and one failure stops no other."""

from __future__ import annotations

import pytest

from tracker.dispatch import commit, defer, rollback


def test_work_runs_after_the_commit_and_not_after_a_rollback(app):
    ran = []
    defer(ran.append, "kept")
    rollback()
    assert ran == []
    defer(ran.append, "sent")
    commit()
    assert ran == ["sent"]


def test_a_failing_piece_of_work_does_not_stop_the_rest(app, caplog):
    # Twenty follow-ups committed together: the broker refusing the third must not strand the others.
    ran = []

    def refuse(n):
        raise OSError(f"broker refused {n}")

    defer(ran.append, 1)
    defer(refuse, 2)
    defer(ran.append, 3)
    with pytest.raises(OSError, match="refused 2"):
        commit()
    assert ran == [1, 3]
    assert any("refused 2" in r.getMessage() or "refuse" in r.getMessage() for r in caplog.records)
