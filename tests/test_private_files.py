"""The data folder, database, blobs and index are private to the service's user (0700 / 0600), even
when the account's umask would have made them readable by everyone."""

from __future__ import annotations

import os
import stat
import subprocess
import sys


def foiltrack_with_open_umask(data_dir, *args):
    """Run `foiltrack ARGS` in a child whose inherited umask is the usual 022 (files 0644 by default)."""
    environ = {**os.environ, "FOILTRACK_DATA_DIR": str(data_dir)}
    environ.pop("FOILTRACK_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "tracker.cli", *args], capture_output=True, text=True,
                          env=environ, timeout=300, preexec_fn=lambda: os.umask(0o022))


def modes(root) -> dict[str, int]:
    """Every folder and file under `root` (and root itself), by path relative to it, with its mode bits."""
    found = {".": stat.S_IMODE(os.stat(root).st_mode)}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(folder, name)
            if os.path.islink(path):
                continue
            found[os.path.relpath(path, root)] = stat.S_IMODE(os.stat(path).st_mode)
    return found


def test_a_fresh_data_folder_is_private_after_the_demo_went_through_mail_extraction_and_search(tmp_path):
    data = tmp_path / "data"
    assert foiltrack_with_open_umask(data, "db", "upgrade").returncode == 0
    result = foiltrack_with_open_umask(data, "demo")
    assert result.returncode == 0, result.stderr
    # The demo queues its index writes for the index writer; a rebuild writes the index here and now.
    result = foiltrack_with_open_umask(data, "reindex", "--quiet")
    assert result.returncode == 0, result.stderr
    found = modes(data)
    blobs = [p for p in found if p.startswith("blobs/") and len(os.path.basename(p)) == 64]
    index_files = [p for p in found if p.startswith("index/") and os.path.isfile(data / p)]
    assert "foiltrack.sqlite3" in found and len(blobs) >= 4, sorted(found)
    assert index_files, "the demo built no search index: " + ", ".join(sorted(found))
    # Nothing is open to group or others; folders are exactly 0700, what holds data exactly 0600
    # (Whoosh creates its empty lock files 0777 & ~umask: 0700, still the owner's alone).
    wrong = {path: oct(mode) for path, mode in found.items() if mode & 0o077}
    wrong.update({path: oct(mode) for path, mode in found.items()
                  if (os.path.isdir(data / path) and mode != 0o700)
                  or (os.path.isfile(data / path) and "LOCK" not in path and mode != 0o600)})
    assert not wrong, wrong


def test_the_blob_store_writes_private_files_whatever_the_umask(tmp_path):
    from ingest.blobs import BlobStore

    old = os.umask(0o022)
    try:
        store = BlobStore(tmp_path / "blobs", fsync=False)
        sha = store.put(b"an attachment")
    finally:
        os.umask(old)
    assert stat.S_IMODE(store.path(sha).stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path(sha).parent.stat().st_mode) == 0o700
