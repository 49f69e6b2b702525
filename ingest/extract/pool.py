"""A warm pool of sandboxed extraction children, one pool per process.

Starting a child costs about 0.14 CPU seconds (Python, then pypdfium2); a small document costs a few
milliseconds. So a child serves many documents, one request at a time, under the same limits as a
fresh one: its address space is capped for its whole life, its CPU limit is renewed for every document
(see child.py) and the parent kills it when a document's wall-clock deadline passes. A child is
recycled after ``Limits.child_documents`` documents and after any limit is hit, crash or timeout.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .result import ERROR_CPU, ERROR_CRASHED, ERROR_MEMORY

# The package root, put on the child's PYTHONPATH so the child imports this same code uninstalled.
_ROOT = str(Path(__file__).resolve().parents[2])
_MEMORY_HINTS = (
    "MemoryError",
    "failed to map segment",
    "bad_alloc",
    "out of memory",
    "Cannot allocate memory",
    "Out of memory",
)
_IDLE_MAX = 4


@dataclass
class Run:
    """What one request to a child reported."""

    events: list[dict] = field(default_factory=list)
    finished: bool = False
    timed_out: bool = False
    death: str | None = None  # why the child died without finishing
    last_begun: int | None = None

    @property
    def hit_a_limit(self) -> bool:
        """True when the child died or ran into a limit (even one it survived): it gets no other document."""
        return not self.finished or any(e.get("error") in (ERROR_MEMORY, ERROR_CPU) for e in self.events)


class ExtractionChild:
    """One sandboxed child process (``python -m ingest.extract.child``) and the pipes to it."""

    def __init__(self, memory_mb: int):
        self.memory_mb = memory_mb
        self.documents = 0
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the child; closed in forget()
        env = {
            **os.environ,
            "OMP_THREAD_LIMIT": "1",
            "PYTHONPATH": os.pathsep.join(p for p in (_ROOT, os.environ.get("PYTHONPATH")) if p),
            # numpy's BLAS would reserve buffers for every core at import, under the child's memory limit.
            "OPENBLAS_NUM_THREADS": "1",
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ingest.extract.child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            env=env,
            cwd=tempfile.gettempdir(),
            start_new_session=True,  # its own process group, so tesseract dies with it
        )
        self._buffer = b""

    def run(self, request: dict, deadline: float) -> Run:
        """Send one request and collect its events until "end", the child's death or the deadline."""
        run = Run()
        self.documents += 1
        stderr_from = os.fstat(self.stderr.fileno()).st_size
        try:
            self.proc.stdin.write(json.dumps(request).encode() + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # the child is dead; its exit status says why
        self._read_events(run, deadline)
        if not run.finished:
            self._terminate()
            if not run.timed_out:
                self.stderr.seek(stderr_from)
                tail = self.stderr.read()[-4000:].decode("utf-8", "replace")
                run.death = death_reason(self.proc.returncode, tail)
            self.forget()
        return run

    def _read_events(self, run: Run, deadline: float) -> None:
        """Parse JSON lines from the child's stdout as they arrive, stopping at "end", EOF or the deadline."""
        with selectors.DefaultSelector() as selector:
            selector.register(self.proc.stdout, selectors.EVENT_READ)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    run.timed_out = True
                    return
                if not selector.select(timeout=min(remaining, 1.0)):
                    continue
                chunk = os.read(self.proc.stdout.fileno(), 1 << 20)
                if not chunk:
                    return
                self._buffer += chunk
                *lines, self._buffer = self._buffer.split(b"\n")
                for line in lines:
                    try:
                        event = json.loads(line)
                    except ValueError:
                        continue  # not ours: the child's own stdout is redirected, so this cannot be an event
                    if event["event"] == "end":
                        run.finished = True
                        return
                    if event["event"] == "begin":
                        run.last_begun = event["page"]
                    else:
                        run.events.append(event)

    def kill(self) -> None:
        """SIGKILL the child's whole process group (the child and any tesseract it started) and reap it."""
        self._terminate()
        self.forget()

    def _terminate(self) -> None:
        if self.proc.returncode is None:  # not reaped yet, so its group id cannot belong to anyone else
            with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def close(self, grace: float = 2.0) -> None:
        """End the child: close its stdin so it exits by itself, killing it if it does not in ``grace``."""
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.kill()
        self.forget()

    def forget(self) -> None:
        """Close our ends of the pipes (in a forked copy of the parent, without touching the child)."""
        for stream in (self.proc.stdin, self.proc.stdout, self.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.close()


def death_reason(returncode: int | None, stderr: str) -> str:
    """Turn a child's exit status and last stderr into one of the documented errors."""
    if any(hint in stderr for hint in _MEMORY_HINTS):
        return ERROR_MEMORY
    if returncode is not None and returncode < 0:
        sig = -returncode
        if sig == signal.SIGXCPU:
            return ERROR_CPU
        if sig == signal.SIGKILL:
            # Nobody but the kernel kills it before we do: the hard CPU limit or the OOM killer.
            return f"{ERROR_CRASHED} (killed: cpu or memory limit)"
        return f"{ERROR_CRASHED} ({signal.Signals(sig).name})"
    last = stderr.strip().splitlines()[-1:] or ["no output"]
    return f"{ERROR_CRASHED} (exit {returncode}: {last[0][:200]})"


class ChildPool:
    """Idle children waiting for their next document, by memory limit (it cannot be raised later)."""

    def __init__(self):
        self.pid = os.getpid()
        self._idle: list[ExtractionChild] = []
        self._lock = threading.Lock()
        self.started = 0  # children started by this pool, for tests and benchmarks

    def acquire(self, memory_mb: int) -> ExtractionChild:
        """A warm child with this memory limit, or a new one."""
        with self._lock:
            for child in self._idle:
                if child.memory_mb == memory_mb and child.proc.poll() is None:
                    self._idle.remove(child)
                    return child
            self.started += 1
        return ExtractionChild(memory_mb)

    def release(self, child: ExtractionChild, run: Run, max_documents: int) -> None:
        """Take a child back after a request; one that hit a limit or served enough documents ends."""
        if run.hit_a_limit or child.documents >= max_documents or child.proc.poll() is not None:
            child.close() if run.finished else child.kill()  # kill() after run() killed it only reaps
            return
        with self._lock:
            self._idle.append(child)
            surplus = self._idle[:-_IDLE_MAX] if len(self._idle) > _IDLE_MAX else []
            self._idle = self._idle[len(surplus):]
        for extra in surplus:
            extra.close()

    def close(self) -> None:
        """End every idle child (waiting for each, so its CPU time is counted as ours)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for child in idle:
            child.close()

    def forget(self) -> None:
        """After a fork: the children belong to the parent process; let go of them without ending them."""
        for child in self._idle:
            child.forget()
        self._idle = []


_pool: ChildPool | None = None
_pool_lock = threading.Lock()


def pool() -> ChildPool:
    """This process's pool of warm extraction children."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool.pid != os.getpid():
            _pool = ChildPool()
        return _pool


def shutdown_pool() -> None:
    """End this process's warm children (at exit, and in benchmarks before reading CPU times)."""
    if _pool is not None and _pool.pid == os.getpid():
        _pool.close()


def _after_fork() -> None:
    global _pool, _pool_lock
    _pool_lock = threading.Lock()  # another thread may have held it at the fork
    if _pool is not None:
        _pool.forget()
        _pool = None


atexit.register(shutdown_pool)
os.register_at_fork(after_in_child=_after_fork)
