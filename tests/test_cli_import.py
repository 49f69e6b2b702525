"""`foiltrack import REFERENCE PATH…` as a user runs it: a real process on a fresh data folder."""

from __future__ import annotations

import sqlite3
import zipfile

import pytest

from tests.ingest_support import make_pdf
from tests.test_cli import foiltrack


@pytest.fixture
def demo(tmp_path):
    """A fresh data folder with the demo campaign, an admin's API token and one submitted request."""
    assert foiltrack(tmp_path, "db", "upgrade").returncode == 0
    loaded = foiltrack(tmp_path, "demo")
    assert loaded.returncode == 0, loaded.stderr
    made = foiltrack(tmp_path, "users", "create", "boss@example.org", "--role", "admin", "--token",
                     stdin="long enough password\nlong enough password\n")
    assert made.returncode == 0, made.stderr
    with sqlite3.connect(tmp_path / "foiltrack.sqlite3") as conn:
        reference = conn.execute("SELECT reference FROM requests WHERE status != 'draft' ORDER BY id").fetchone()[0]
    return tmp_path, reference, made.stdout.strip().splitlines()[-1]


def search(data_dir, token, q):
    """What /api/v1/search answers an admin for `q`, through the app on the same data folder."""
    from tracker import create_app

    app = create_app({"DATA_DIR": str(data_dir)})
    with app.app_context():
        answer = app.test_client().get(f"/api/v1/search?q={q}", headers={"Authorization": f"Bearer {token}"})
        from tracker.extensions import db

        db.engine.dispose()
    assert answer.status_code == 200, answer.json
    return answer.json


def test_import_a_folder_and_a_zip_then_find_them(demo, tmp_path):
    data_dir, reference, token = demo
    folder = tmp_path / "production"
    (folder / "box 2").mkdir(parents=True)
    (folder / "letter.pdf").write_bytes(make_pdf(["Determination letter releasing Quillfeather records"]))
    (folder / "box 2" / "memo.pdf").write_bytes(make_pdf(["Memo on Quillfeather retention", "page two"]))
    (folder / ".DS_Store").write_bytes(b"junk")
    archive = tmp_path / "cd.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("cd/audit.pdf", make_pdf(["Audit of Quillfeather use"]))
    result = foiltrack(data_dir, "import", reference, str(folder), str(archive), "--released-on", "2026-03-02")
    assert result.returncode == 0, result.stderr
    assert "Storing" in result.stderr and "Extracting" in result.stderr  # tqdm's progress bars
    assert f"Imported 3 of 3 files into {reference}" in result.stdout
    assert "4 documents, 4 pages of text, now searchable" in result.stdout  # the zip and its member
    hits = search(data_dir, token, "Quillfeather")
    assert sorted(h["filename"] for h in hits["hits"]) == ["cd/audit.pdf", "letter.pdf", "memo.pdf"]

    again = foiltrack(data_dir, "import", reference, str(folder), "--quiet")
    assert again.returncode == 0, again.stderr
    assert "Imported 0 of 2 files" in again.stdout and "Skipped 2 already on this request" in again.stdout
    assert "Storing" not in again.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["FT-1999-99999", "."], "no request with the reference or tracking number"),
    (["{ref}", ".", "--released-on", "last week"], "is not a real date"),
    (["{ref}", ".", "--event-id", "99999"], "there is no event 99999"),
    (["{ref}", "empty"], "no files found under"),
])
def test_bad_imports_are_clear_errors_and_add_nothing(demo, tmp_path, args, message):
    data_dir, reference, _ = demo
    (tmp_path / "empty").mkdir()
    args = [a.replace("{ref}", reference).replace("empty", str(tmp_path / "empty")) for a in args]
    result = foiltrack(data_dir, "import", *args)
    assert result.returncode != 0 and message in result.stderr
    with sqlite3.connect(data_dir / "foiltrack.sqlite3") as conn:
        before = conn.execute("SELECT count(*) FROM documents WHERE message_id IS NULL").fetchone()[0]
    assert before == 0


@pytest.mark.slow
def test_import_a_2000_page_production_prints_progress_and_ends_searchable(demo, tmp_path):
    data_dir, reference, token = demo
    folder = tmp_path / "portal-download"
    folder.mkdir()
    for part in range(1, 11):
        pages = [f"Production part {part} page {n} Bates NYPD-{part:02d}{n:04d}" for n in range(1, 201)]
        if part == 7:
            pages[99] = "The Marrowgate pilot evaluation summary"
        (folder / f"part-{part:02d}.pdf").write_bytes(make_pdf(pages))
    result = foiltrack(data_dir, "import", reference, str(folder), "--visibility", "public",
                       env={"COLUMNS": "100"})
    assert result.returncode == 0, result.stderr
    assert "Extracting: 100%" in result.stderr and "10/10" in result.stderr
    assert "10 documents, 2,000 pages of text, now searchable" in result.stdout
    hits = search(data_dir, token, "Marrowgate")["hits"]
    assert [(h["filename"], h["page"]) for h in hits] == [("part-07.pdf", 100)]
