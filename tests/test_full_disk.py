"""A full disk, a read-only folder, an unreachable database: one clear line or a JSON error, nothing lost.

The full disk is real: a 2 MB tmpfs mounted for the test (as root) and filled with a filler file, so the
blob store meets ENOSPC from the kernel; freeing the filler is freeing space.
"""

from __future__ import annotations

import io
import os
import random
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.conftest import csrf_token
from tests.test_cli import foiltrack
from tests.test_cli_import import demo, search  # noqa: F401 - demo is a fixture

WORDS = ["agency", "camera", "contract", "retention", "policy", "vendor", "license", "audit", "match", "image"]


class SmallDisk:
    """A mounted 2 MB tmpfs with a filler file that leaves only `free` bytes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.filler = root / "filler"

    def leave_free(self, free: int) -> None:
        stats = os.statvfs(self.root)
        available = stats.f_bavail * stats.f_frsize
        with open(self.filler, "ab") as out:
            out.write(b"\0" * max(0, available - free))

    def free_space(self) -> None:
        self.filler.unlink()

    def temp_files(self) -> list[Path]:
        return sorted((self.root / "blobs" / "tmp").glob("*")) if (self.root / "blobs" / "tmp").exists() else []


@pytest.fixture
def small_disk(tmp_path):
    """A real small filesystem (tmpfs, 2 MB), unmounted after the test; skipped where mount is refused."""
    root = tmp_path / "small-disk"
    root.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a 2 MB tmpfs to fill needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(root)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"mount is not permitted here ({mounted.stderr.strip()}); no real small disk to fill")
    try:
        yield SmallDisk(root)
    finally:
        if subprocess.run(["umount", str(root)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(root)], capture_output=True)


def text_file(word: str, size: int) -> bytes:
    """A plain-text record of about `size` bytes that mentions `word` once."""
    rng = random.Random(word)
    filler = " ".join(rng.choice(WORDS) for _ in range(size // 7))
    return f"Record about {word}.\n{filler}\n".encode()


def test_import_on_a_full_disk_says_so_in_one_line_then_imports_the_rest(demo, tmp_path, small_disk):  # noqa: F811
    data_dir, reference, token = demo
    folder = tmp_path / "production"
    folder.mkdir()
    names = ["Alderwick", "Birchmont", "Cedarvale", "Dogwoodia"]
    for number, word in enumerate(names, start=1):
        (folder / f"{number}-{word}.txt").write_bytes(text_file(word, 300_000))
    small_disk.leave_free(700_000)  # room for two of the four files
    env = {"FOILTRACK_BLOB_DIR": str(small_disk.root / "blobs")}

    full = foiltrack(data_dir, "import", reference, str(folder), "--quiet", env=env)
    assert full.returncode == 1
    lines = full.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in full.stderr, full.stderr
    assert lines[0].startswith("Error: stopped at ") and "3-Cedarvale.txt (file 3 of 4)" in lines[0]
    assert "the disk is full" in lines[0] and "running the same command again" in lines[0]
    assert small_disk.temp_files() == []  # no half-written blob
    with sqlite3.connect(data_dir / "foiltrack.sqlite3") as conn:
        stored = [r[0] for r in conn.execute("SELECT filename FROM documents WHERE message_id IS NULL")]
    assert sorted(stored) == ["1-Alderwick.txt", "2-Birchmont.txt"]

    small_disk.free_space()
    rest = foiltrack(data_dir, "import", reference, str(folder), "--quiet", env=env)
    assert rest.returncode == 0, rest.stderr
    assert "Imported 2 of 4 files" in rest.stdout and "Skipped 2 already on this request" in rest.stdout
    assert "now searchable" in rest.stdout
    for word in names:  # the two stored before the disk filled are extracted and indexed too
        assert [h["filename"] for h in search(data_dir, token, word)["hits"]] == [
            f"{names.index(word) + 1}-{word}.txt"]


def test_a_read_only_data_folder_is_one_clear_line(demo, tmp_path):  # noqa: F811
    data_dir, reference, _token = demo
    folder = tmp_path / "production"
    folder.mkdir()
    (folder / "memo.txt").write_bytes(text_file("Elmsworth", 2000))
    blobs = tmp_path / "read-only-blobs"
    blobs.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", str(blobs)],
                      capture_output=True).returncode != 0:
        pytest.skip("mount is not permitted here: no read-only file system to write to")
    try:
        result = foiltrack(data_dir, "import", reference, str(folder), "--quiet",
                           env={"FOILTRACK_BLOB_DIR": str(blobs)})
    finally:
        subprocess.run(["umount", str(blobs)], capture_output=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "the file system is read-only" in line and "run the command again" in line
    with sqlite3.connect(data_dir / "foiltrack.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM documents WHERE message_id IS NULL").fetchone()[0] == 0


@pytest.mark.parametrize("args", [["reminders"], ["db", "upgrade"], ["import", "FT-2026-00001", "."],
                                  ["reindex", "--quiet"]])
def test_an_unreachable_database_is_one_clear_line_without_the_password(tmp_path, args):
    url = "postgresql+psycopg://foil:s3cret-pw@127.0.0.1:9/foiltrack"  # port 9 (discard): nothing listens
    result = foiltrack(tmp_path, *args, env={"FOILTRACK_DATABASE_URL": url})
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("Error: cannot reach the database postgresql+psycopg://foil:***@127.0.0.1:9/foiltrack")
    assert "FOILTRACK_DATABASE_URL" in line and "s3cret-pw" not in result.stderr


def test_an_upload_to_a_full_store_answers_507_json_and_the_page_says_why(app_config, small_disk, request):
    app_config["BLOB_DIR"] = str(small_disk.root / "blobs")
    request.getfixturevalue("app")
    make_request, api_as, client, login = (request.getfixturevalue(n)
                                           for n in ("make_request", "api_as", "client", "login"))
    from tracker.models import Document

    req = make_request(received_on="2024-03-01")
    lawyer = api_as("lawyer")
    small_disk.leave_free(100_000)
    upload = {"file": (io.BytesIO(text_file("Foxglove", 300_000)), "foxglove.txt"), "released_on": "2024-03-20"}
    answer = lawyer.post(f"/api/v1/requests/{req.id}/documents", data=upload, content_type="multipart/form-data")
    assert answer.status_code == 507
    assert answer.json["error"]["code"] == "storage_full"
    assert "document store is full" in answer.json["error"]["message"]
    assert "free space" in answer.json["error"]["message"]

    login("lawyer")
    form = client.get(f"/requests/{req.id}/documents")
    fields = {"csrf_token": csrf_token(form), "released_on": "2024-03-20", "visibility": "internal"}
    page = client.post(f"/requests/{req.id}/documents", content_type="multipart/form-data",
                       data={**fields, "file": (io.BytesIO(text_file("Foxglove", 300_000)), "foxglove.txt")})
    assert page.status_code == 507
    assert "The document store is full, so foxglove.txt was not added" in page.get_data(as_text=True)
    dropped = client.post(f"/requests/{req.id}/documents", content_type="multipart/form-data",
                          headers={"Accept": "application/json"},
                          data={**fields, "file": (io.BytesIO(text_file("Foxglove", 300_000)), "foxglove.txt")})
    assert dropped.status_code == 507 and dropped.json["error"]["code"] == "storage_full"
    assert Document.query.count() == 0 and small_disk.temp_files() == []

    small_disk.free_space()
    again = lawyer.post(f"/api/v1/requests/{req.id}/documents", content_type="multipart/form-data",
                        data={"file": (io.BytesIO(text_file("Foxglove", 300_000)), "foxglove.txt"),
                              "released_on": "2024-03-20"})
    assert again.status_code == 201, again.json
    assert [d.filename for d in Document.query.all()] == ["foxglove.txt"]


def test_a_database_never_upgraded_says_to_run_db_upgrade(tmp_path):
    result = foiltrack(tmp_path, "reminders")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("Error: the database sqlite:///") and "Run `foiltrack db upgrade` first" in line
