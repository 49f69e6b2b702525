"""Archive bombs: nested, overlapping, self-containing and deep zips end as one document with an error.

The archives are generated in tests/archive_bombs.py. They go through ingest.extract (the sandboxed
child unpacks them) and through the real mail-in path, where the delivering process must stay small.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from ingest.extract import STATUS_FAILED, STATUS_OK, ArchiveBudget, ArchiveRefused, Limits, extract, unpack_zip
from tests import archive_bombs as bombs
from tests import ingest_support as support
from tests.ingest_support import build_email, reply_address
from tracker.dispatch import commit
from tracker.extensions import db
from tracker.models import Document

ROOT = Path(__file__).resolve().parents[1]
nypd, search_service = support.nypd, support.search_service  # fixtures

BOMBS = {
    "fan-out": (lambda: bombs.fan_out_bomb(), "uncompressed size over 64 MB"),
    "zeros": (lambda: bombs.zeros_bomb(), "zip bomb: member"),
    "deep": (lambda: bombs.deep_nesting(8), "nested deeper than 3 levels"),
    "overlap": (lambda: bombs.overlapping_bomb(), "overlap"),
    "quine": (lambda: bombs.zip_quine(), "a zip quine"),
}
LIMITS = Limits(zip_max_total_mb=64)


def test_the_quine_really_holds_itself():
    quine = bombs.zip_quine()
    with zipfile.ZipFile(io.BytesIO(quine)) as archive:
        assert archive.namelist() == ["r.zip"]
        assert archive.read("r.zip") == quine  # zipfile checks the CRC too


def test_the_overlapping_entries_share_one_kernel():
    with zipfile.ZipFile(io.BytesIO(bombs.overlapping_bomb(entries=50))) as archive:
        assert len({info.header_offset for info in archive.infolist()}) == 1
        assert sum(info.file_size for info in archive.infolist()) == 50 * (2 << 20)


@pytest.mark.parametrize("kind", sorted(BOMBS))
def test_bomb_is_refused_whole_and_leaves_nothing(kind, tmp_path):
    make, clue = BOMBS[kind]
    path = tmp_path / f"{kind}.zip"
    path.write_bytes(make())
    folder = tmp_path / "unpacked"
    folder.mkdir()
    result = extract(path, limits=LIMITS, unpack_dir=folder)
    assert (result.status, result.members) == (STATUS_FAILED, [])
    assert clue in result.error
    assert list(folder.iterdir()) == []


def test_members_count_across_every_level(tmp_path):
    inner = bombs.zip_of({f"letter-{n}.txt": f"letter {n}".encode() for n in range(8)})
    path = tmp_path / "a.zip"
    path.write_bytes(bombs.zip_of({f"box-{n}.zip": inner for n in range(4)}))
    # 4 nested zips and 32 letters are 36 entries.
    assert len(unpack_zip(path, tmp_path, Limits(zip_max_members=36))) == 32
    with pytest.raises(ArchiveRefused, match="too many members"):
        unpack_zip(path, tmp_path, Limits(zip_max_members=35))


def test_a_budget_already_spent_refuses_the_next_archive(tmp_path):
    path = tmp_path / "a.zip"
    path.write_bytes(bombs.zip_of({"report.txt": bombs.compressible(3 << 20, 1)}))
    assert extract(path, limits=Limits(zip_max_total_mb=4)).status == STATUS_OK
    spent = ArchiveBudget(bytes_left=1 << 20, members_left=10)
    result = extract(path, limits=Limits(zip_max_total_mb=4), archive_budget=spent)
    assert result.status == STATUS_FAILED and "uncompressed size over 4 MB" in result.error


# ---- through the mail-in path ----------------------------------------------------------------


def _zip_attachment(name: str, data: bytes):
    return (name, data, "application", "zip")


@pytest.fixture
def four_mb_per_email(app_config):
    app_config.update(EXTRACT_ARCHIVE_MB=4)


def test_one_budget_per_email_across_its_archives(four_mb_per_email, make_request, nypd, search_service):
    from tracker.operations.documents import blob_store
    from tracker.operations.mail import deliver_raw

    req = make_request(agency=nypd)
    first = bombs.zip_of({"first.txt": bombs.compressible(3 << 20, 1)})
    second = bombs.zip_of({"second.txt": bombs.compressible(3 << 20, 2)})
    raw = build_email(to=reply_address(req), attachments=[_zip_attachment("first.zip", first),
                                                          _zip_attachment("second.zip", second)])  # fmt: skip
    message, _ = deliver_raw(raw, blob_store().put(raw), mailbox="INBOX")
    commit()
    documents = db.session.scalars(select(Document).where(Document.message_id == message.id)
                                   .order_by(Document.id)).all()  # fmt: skip
    by_name = {d.filename: d for d in documents}
    assert set(by_name) == {"first.zip", "second.zip", "first.txt"}
    assert by_name["first.zip"].text_status == "ok"
    assert by_name["first.txt"].parent_id == by_name["first.zip"].id
    assert by_name["second.zip"].text_status == "failed"
    assert "uncompressed size over 4 MB" in by_name["second.zip"].text_error


def test_nested_zip_members_become_documents_of_the_outer_zip(deliver, make_request, nypd):
    inner = bombs.zip_of({"denial.txt": b"We deny your request under 87(2)(e)."})
    outer = bombs.zip_of({"letters/inner.zip": inner, "cover.txt": b"Cover letter."})
    req = make_request(agency=nypd)
    message = deliver(build_email(to=reply_address(req), attachments=[_zip_attachment("records.zip", outer)]))
    documents = db.session.scalars(select(Document).where(Document.message_id == message.id)
                                   .order_by(Document.id)).all()  # fmt: skip
    archive, *members = documents
    assert archive.text_status == "ok"
    assert {d.filename for d in members} == {"letters/inner.zip/denial.txt", "cover.txt"}
    assert all(d.parent_id == archive.id and d.request_id == req.id for d in members)
    denial = next(d for d in members if d.filename.endswith("denial.txt"))
    assert denial.text_status == "ok" and "87(2)(e)" in denial.pages[0].text


def test_members_with_the_same_bytes_share_one_blob(deliver, make_request, nypd):
    from tracker.operations.documents import blob_store

    letter = b"Your appeal is granted."
    archive = bombs.zip_of({"copy-a/letter.txt": letter, "copy-b/letter.txt": letter})
    req = make_request(agency=nypd)
    message = deliver(build_email(to=reply_address(req), attachments=[_zip_attachment("copies.zip", archive)]))
    members = db.session.scalars(select(Document).where(Document.message_id == message.id,
                                                        Document.parent_id.is_not(None))).all()  # fmt: skip
    assert sorted(d.filename for d in members) == ["copy-a/letter.txt", "copy-b/letter.txt"]
    assert {d.sha256 for d in members} == {hashlib.sha256(letter).hexdigest()}
    assert blob_store().get(members[0].sha256) == letter
    assert all(d.text_status == "ok" for d in members)


@pytest.fixture
def deliver(app, search_service):
    from tracker.operations.documents import blob_store
    from tracker.operations.mail import deliver_raw

    def run(raw: bytes):
        message, _ = deliver_raw(raw, blob_store().put(raw), mailbox="INBOX")
        commit()
        return message

    return run


_DELIVERING_PROCESS = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from tests.ingest_support import build_email
    from tracker import create_app

    folder, bombs = Path(sys.argv[1]), Path(sys.argv[2])
    app = create_app({"DATA_DIR": str(folder), "SECRET_KEY": "bombs", "TASKS_EAGER": True,
                      "BROKER_URL": "memory://", "SMTP_HOST": "", "IMAP_HOST": ""})
    with app.app_context():
        from flask_migrate import upgrade
        from sqlalchemy import select
        from tracker.dispatch import commit
        from tracker.extensions import db
        from tracker.models import Document
        from tracker.operations.documents import blob_store
        from tracker.operations.mail import deliver_raw

        upgrade()
        report = {"messages": {}}
        for path in sorted(bombs.iterdir()):
            kind = path.stem
            raw = build_email(subject=f"Production {kind}",
                              attachments=[(path.name, path.read_bytes(), "application", "zip")])
            message, _ = deliver_raw(raw, blob_store().put(raw), mailbox="INBOX")
            commit()
            documents = db.session.scalars(select(Document).where(Document.message_id == message.id)).all()
            report["messages"][kind] = [[d.filename, d.text_status, d.text_error] for d in documents]
        # VmHWM, not getrusage's ru_maxrss: Linux carries the forking parent's (pytest's) peak into
        # ru_maxrss across exec, while VmHWM is this program's own peak.
        status = Path("/proc/self/status").read_text()
        report["max_rss_mb"] = int(status.split("VmHWM:")[1].split()[0]) / 1024
        tmp = Path(app.config["BLOB_DIR"]) / "tmp"
        report["left_in_tmp"] = [p.name for p in tmp.iterdir()] if tmp.exists() else []
        report["blobs"] = sum(1 for p in Path(app.config["BLOB_DIR"]).rglob("*") if p.is_file())
    print(json.dumps(report))
""")


def test_bombs_through_mail_in_end_as_one_document_and_the_deliverer_stays_small(tmp_path):
    # A process of its own, so that its peak resident size is the delivery's alone; extraction runs
    # inline (TASKS_EAGER), the archives themselves in the sandboxed children, under default limits.
    makers = {"fan-out": bombs.fan_out_bomb, "zeros": bombs.zeros_bomb, "deep": bombs.deep_nesting,
              "overlap": bombs.overlapping_bomb, "quine": bombs.zip_quine}  # fmt: skip
    (tmp_path / "bombs").mkdir()
    for kind, make in makers.items():
        (tmp_path / "bombs" / f"{kind}.zip").write_bytes(make())
    (tmp_path / "data").mkdir()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    argv = [sys.executable, "-c", _DELIVERING_PROCESS, str(tmp_path / "data"), str(tmp_path / "bombs")]
    done = subprocess.run(argv, cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    clues = {"fan-out": "uncompressed size over 512 MB", "zeros": "zip bomb: member",
             "deep": "nested deeper than 3 levels", "overlap": "overlap", "quine": "a zip quine"}  # fmt: skip
    for kind, clue in clues.items():
        ((filename, status, error),) = report["messages"][kind]
        assert (filename, status) == (f"{kind}.zip", "failed")
        assert clue in error, error
    print(f"delivering process peak resident size: {report['max_rss_mb']:.0f} MB")
    assert report["max_rss_mb"] < 300, report["max_rss_mb"]
    assert report["left_in_tmp"] == []
    # Five raw emails and the five zips they carried; nothing unpacked stayed.
    assert report["blobs"] == 10
