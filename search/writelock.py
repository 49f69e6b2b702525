"""The Whoosh write lock, with its holder written down so that a lock left by a dead process is broken.

Whoosh's lock is an ``flock`` on ``MAIN_WRITELOCK``: the kernel drops it when every process holding the
file open has exited. A rebuild forks segment writers that inherit the open file, so when the rebuild
is killed with ``kill -9`` they live on, orphaned, and hold the lock: every later write would wait for
them. So whoever takes the lock writes its process id and process group beside it (``WRITER``), and a
writer that finds the lock taken checks that process: if it is dead, the lock is abandoned, and its
orphans (the rest of its process group when it led one, and any process still holding the lock file
open) are killed, which releases the lock.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from pathlib import Path

from whoosh.writing import LockError

HOLDER = "WRITER"
LOCK_NAME = "MAIN_WRITELOCK"
POLL_SECONDS = 0.5


def note_holder(gen_dir: str | os.PathLike) -> None:
    """Record this process as the holder of gen_dir's write lock (call right after taking it)."""
    path = Path(gen_dir) / HOLDER
    tmp = path.with_name(f".{HOLDER}.{os.getpid()}")
    tmp.write_text(json.dumps({"pid": os.getpid(), "pgid": os.getpgid(0)}))
    os.replace(tmp, path)


def process_alive(pid: int) -> bool:
    """Whether the process pid is running (a zombie counts as dead: it holds no files)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (dead, not yet reaped by its parent) holds no files: count it as dead.
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("State:"):
                return "Z" not in line.split()[1]
    return True


def _processes_holding(lock_file: Path) -> list[int]:
    """Processes with lock_file open (Linux /proc; none found elsewhere)."""
    target = str(lock_file.resolve())
    found = []
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        with contextlib.suppress(OSError):
            for fd in fd_dir.iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) == target:
                        found.append(int(fd_dir.parent.name))
                        break
    return [pid for pid in found if pid != os.getpid()]


def break_if_abandoned(gen_dir: str | os.PathLike) -> bool:
    """If the recorded holder of gen_dir's lock is dead, kill what still holds the lock; True if so."""
    gen_dir = Path(gen_dir)
    try:
        holder = json.loads((gen_dir / HOLDER).read_text())
        pid, pgid = int(holder["pid"]), int(holder["pgid"])
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if pid == os.getpid() or process_alive(pid):
        return False
    if pgid == pid:  # it led its own process group (a rebuild does): the group is its orphans
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
    for orphan in _processes_holding(gen_dir / f"{LOCK_NAME}"):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(orphan, signal.SIGKILL)
    (gen_dir / HOLDER).unlink(missing_ok=True)
    return True


def acquire_writer(ix, gen_dir: str | os.PathLike, *, timeout: float, **kwargs):
    """ix.writer(**kwargs), waiting up to timeout for the lock and breaking an abandoned one.

    Raises whoosh.writing.LockError when a live process holds the lock for the whole timeout.
    """
    deadline = time.monotonic() + timeout
    while True:
        wait = max(0.0, min(POLL_SECONDS, deadline - time.monotonic()))
        try:
            writer = ix.writer(timeout=wait, **kwargs)
        except LockError:
            if break_if_abandoned(gen_dir):
                time.sleep(0.05)  # the killed processes' files close as they exit
                continue
            if time.monotonic() >= deadline:
                raise
            continue
        note_holder(gen_dir)
        return writer


def acquire_lock(lock, gen_dir: str | os.PathLike, *, timeout: float) -> bool:
    """Take a Whoosh lock object (storage.lock(...)) the same way; False if still held at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        if lock.acquire(blocking=False):
            note_holder(gen_dir)
            return True
        if break_if_abandoned(gen_dir):
            time.sleep(0.05)
            continue
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
