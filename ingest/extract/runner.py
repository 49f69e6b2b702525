"""extract(): run the extraction child under limits and turn whatever happens into an ExtractResult."""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .mediatypes import sniff
from .result import (
    ERROR_CPU,
    ERROR_CRASHED,
    ERROR_MEMORY,
    ERROR_TIMEOUT,
    ERROR_TOO_LARGE,
    STATUS_EMPTY,
    STATUS_FAILED,
    STATUS_OK,
    STATUS_PARTIAL,
    ExtractResult,
    Limits,
    PageText,
    has_text,
)

# The package root, put on the child's PYTHONPATH so the child imports this same code uninstalled.
_ROOT = str(Path(__file__).resolve().parents[2])
_PAGED = ("application/pdf", "image/")
_MEMORY_HINTS = (
    "MemoryError",
    "failed to map segment",
    "bad_alloc",
    "out of memory",
    "Cannot allocate memory",
    "Out of memory",
)


@dataclass
class _Run:
    """What one child run reported."""

    events: list[dict] = field(default_factory=list)
    finished: bool = False
    timed_out: bool = False
    death: str | None = None  # why the child died without finishing
    last_begun: int | None = None
    last_done: int | None = None


def extract(path, media_type: str | None = None, *, limits: Limits = Limits()) -> ExtractResult:  # noqa: B008
    """Extract a file's text page by page in a sandboxed child; never raises for a bad file, never hangs."""
    path = str(Path(path).resolve())
    try:
        size = os.path.getsize(path)
        media_type = media_type or sniff(path)
    except OSError as exc:
        return ExtractResult(status=STATUS_FAILED, error=f"unreadable: {exc.strerror or exc}")
    if size > limits.max_file_mb << 20:
        return ExtractResult(
            status=STATUS_FAILED, error=f"{ERROR_TOO_LARGE} ({size >> 20} MB)", media_type=media_type
        )
    deadline = time.monotonic() + limits.wall_seconds
    runs: list[_Run] = []
    start_page = 1
    page_count = None
    while True:
        run = _run_child(path, media_type, limits, start_page, deadline)
        runs.append(run)
        for event in run.events:
            if event["event"] == "meta":
                page_count = event["page_count"]
        # A child that died on page k: a fresh child resumes at k+1, page k is recorded as failed.
        resumable = (
            run.death is not None
            and run.last_begun is not None
            and media_type.startswith(_PAGED)
            and len(runs) <= limits.max_restarts
            and page_count is not None
            and run.last_begun < page_count
        )
        if not resumable:
            break
        start_page = run.last_begun + 1
    return _assemble(runs, media_type)


def _run_child(path: str, media_type: str, limits: Limits, start_page: int, deadline: float) -> _Run:
    """Start one child, stream its events until it ends, dies or the deadline passes."""
    env = {
        **os.environ,
        "OMP_THREAD_LIMIT": "1",
        "PYTHONPATH": os.pathsep.join(p for p in (_ROOT, os.environ.get("PYTHONPATH")) if p),
    }
    request = {"path": path, "media_type": media_type, "limits": limits.to_dict(), "start_page": start_page}
    run = _Run()
    with tempfile.TemporaryFile() as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ingest.extract.child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=env,
            cwd=tempfile.gettempdir(),
            start_new_session=True,  # its own process group, so tesseract dies with it
        )
        try:
            proc.stdin.write(json.dumps(request).encode() + b"\n")
            proc.stdin.close()
        except BrokenPipeError:
            pass  # the child died at start-up; its exit status says why
        try:
            _read_events(proc, run, deadline)
        finally:
            _kill_group(proc)
            proc.wait()
            proc.stdout.close()
        if not run.finished and not run.timed_out:
            stderr.seek(0)
            run.death = _death_reason(proc.returncode, stderr.read()[-4000:].decode("utf-8", "replace"))
    return run


def _read_events(proc: subprocess.Popen, run: _Run, deadline: float) -> None:
    """Parse JSON lines from the child's stdout as they arrive, stopping at EOF or the deadline."""
    buffer = b""
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                run.timed_out = True
                return
            if not selector.select(timeout=min(remaining, 1.0)):
                continue
            chunk = os.read(proc.stdout.fileno(), 1 << 20)
            if not chunk:
                return
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                try:
                    event = json.loads(line)
                except ValueError:
                    continue  # not ours: the child's own stdout is redirected, so this cannot be an event
                if event["event"] == "end":
                    run.finished = True
                elif event["event"] == "begin":
                    run.last_begun = event["page"]
                else:
                    run.events.append(event)


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the child's whole process group (the child and any tesseract it started)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
        os.killpg(proc.pid, signal.SIGKILL)


def _death_reason(returncode: int, stderr: str) -> str:
    """Turn a child's exit status and last stderr into one of the documented errors."""
    if any(hint in stderr for hint in _MEMORY_HINTS):
        return ERROR_MEMORY
    if returncode < 0:
        sig = -returncode
        if sig == signal.SIGXCPU:
            return ERROR_CPU
        if sig == signal.SIGKILL:
            # Nobody but the kernel kills it before we do: the hard CPU limit or the OOM killer.
            return f"{ERROR_CRASHED} (killed: cpu or memory limit)"
        return f"{ERROR_CRASHED} ({signal.Signals(sig).name})"
    last = stderr.strip().splitlines()[-1:] or ["no output"]
    return f"{ERROR_CRASHED} (exit {returncode}: {last[0][:200]})"


def _assemble(runs: list[_Run], media_type: str) -> ExtractResult:
    """Merge the events of one or more child runs into the final result."""
    result = ExtractResult(status=STATUS_OK, media_type=media_type)
    pages: dict[int, PageText] = {}
    page_errors: dict[int, str] = {}
    fail = None
    for run in runs:
        for event in run.events:
            kind = event["event"]
            if kind == "meta":
                result.page_count = event["page_count"]
                result.encrypted = result.encrypted or event["encrypted"]
            elif kind == "page":
                pages[event["page"]] = PageText(event["page"], event["text"], event["ocr"])
            elif kind == "page_error":
                pages[event["page"]] = PageText(event["page"], event.get("text", ""), False)
                page_errors[event["page"]] = event["error"]
            elif kind == "members":
                result.members = [tuple(m) for m in event["members"]]
            elif kind == "fail":
                fail = event
                result.encrypted = result.encrypted or event.get("encrypted", False)
        if run.death is not None and run.last_begun is not None and run.last_begun not in pages:
            pages[run.last_begun] = PageText(run.last_begun, "", False)
            page_errors[run.last_begun] = run.death
    result.pages = [pages[n] for n in sorted(pages)]
    last = runs[-1]
    # Whole-document problems first: a refusal, a timeout, a death outside any page.
    doc_error = None
    if fail is not None:
        doc_error = fail["error"]
    elif last.timed_out:
        doc_error = ERROR_TIMEOUT
    elif last.death is not None and last.last_begun is None:
        doc_error = last.death
    read_ok = [p for p in result.pages if p.number not in page_errors]
    if doc_error is not None and not read_ok:
        result.status = fail["status"] if fail is not None else STATUS_FAILED
        result.error = doc_error
    elif doc_error is not None or page_errors:
        result.status = STATUS_PARTIAL if read_ok else STATUS_FAILED
        first = min(page_errors) if page_errors else None
        result.error = doc_error or f"page {first}: {page_errors[first]}"
        if first is not None and doc_error is None and len(page_errors) > 1:
            result.error += f" (and {len(page_errors) - 1} more pages)"
    elif result.members:
        result.status = STATUS_OK
    elif not any(has_text(p.text) for p in result.pages):
        result.status = STATUS_EMPTY
    return result
