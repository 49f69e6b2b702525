"""extract(): run sandboxed children under limits and turn whatever happens into an ExtractResult."""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

from .archive import ArchiveBudget, ArchiveMember
from .mediatypes import ZIP, sniff
from .pool import Run, pool
from .result import (
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

_PAGED = ("application/pdf", "image/")


def extract(
    path,
    media_type: str | None = None,
    *,
    limits: Limits = Limits(),  # noqa: B008
    unpack_dir=None,
    archive_budget: ArchiveBudget | None = None,
) -> ExtractResult:
    """Extract a file's text page by page in sandboxed children; never raises for a bad file, never hangs.

    A zip is unpacked by the child into ``unpack_dir`` (one file per member, named by its SHA-256;
    listed in ``members``) under ``archive_budget`` (the whole of ``limits``' zip budget when None);
    without ``unpack_dir`` the members are only listed. A refused archive leaves nothing in the folder.
    """
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
    if media_type == ZIP:
        return _extract_archive(path, limits, unpack_dir, archive_budget, deadline)
    paged = media_type.startswith(_PAGED)
    # Large files (scans, long reports) are read by several children at once, every workers-th page
    # each; a small file goes to one child, where a second would only cost CPU.
    step = max(1, limits.workers) if paged and size >= limits.split_min_bytes else 1
    if step == 1:
        return _assemble([_strand(path, media_type, limits, 1, 1, deadline)], media_type)
    # Each child reads every step-th page; OCR's page cap is shared out between them.
    share = replace(limits, max_ocr_pages=math.ceil(limits.max_ocr_pages / step))
    strands: list[list[Run]] = [[] for _ in range(step)]

    def read(first: int) -> None:
        strands[first - 1] = _strand(path, media_type, share, first, step, deadline)

    threads = [threading.Thread(target=read, args=(first,), daemon=True) for first in range(1, step + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return _assemble(strands, media_type)


def _strand(path: str, media_type: str, limits: Limits, first: int, step: int, deadline: float) -> list[Run]:
    """Pages first, first+step, ... through pooled children; after a child dies on page k, the next
    child resumes at k+step and page k is recorded as failed."""
    runs: list[Run] = []
    start_page = first
    page_count = None
    while True:
        request = {"path": path, "media_type": media_type, "limits": limits.to_dict(),
                   "start_page": start_page, "step": step}  # fmt: skip
        run = _request(request, limits, deadline)
        runs.append(run)
        for event in run.events:
            if event["event"] == "meta":
                page_count = event["page_count"]
        resumable = (
            run.death is not None
            and run.last_begun is not None
            and media_type.startswith(_PAGED)
            and len(runs) <= limits.max_restarts
            and page_count is not None
            and run.last_begun + step <= page_count
        )
        if not resumable:
            return runs
        start_page = run.last_begun + step


def _request(request: dict, limits: Limits, deadline: float) -> Run:
    """One request to a warm child from this process's pool."""
    children = pool()
    child = children.acquire(limits.memory_mb)
    run = child.run(request, deadline)
    children.release(child, run, limits.child_documents)
    return run


def _extract_archive(path: str, limits: Limits, unpack_dir, budget, deadline: float) -> ExtractResult:
    """Unpack a zip in a child; whatever a failed or killed child staged is removed."""
    with contextlib.ExitStack() as stack:
        folder = Path(unpack_dir or stack.enter_context(tempfile.TemporaryDirectory(prefix="unpack-")))
        before = {p.name for p in folder.iterdir()}
        request = {"path": path, "media_type": ZIP, "limits": limits.to_dict(), "unpack_dir": str(folder)}
        if budget is not None:
            request["budget"] = {"bytes": budget.bytes_left, "members": budget.members_left}
        result = _assemble([[_request(request, limits, deadline)]], ZIP)
        if result.status != STATUS_OK:
            result.members = []
            for stray in folder.iterdir():
                if stray.name not in before:
                    stray.unlink()
        return result


def _assemble(strands: list[list[Run]], media_type: str) -> ExtractResult:
    """Merge the events of every child run, of one or more strands of pages, into the final result."""
    result = ExtractResult(status=STATUS_OK, media_type=media_type)
    pages: dict[int, PageText] = {}
    page_errors: dict[int, str] = {}
    fail = None
    for run in (run for strand in strands for run in strand):
        for event in run.events:
            kind = event["event"]
            if kind == "meta":
                result.page_count = event["page_count"]
                result.encrypted = result.encrypted or event["encrypted"]
            elif kind == "page":
                pages[event["page"]] = PageText(
                    event["page"], event["text"], event["ocr"],
                    redacted_share=float(event.get("redacted_share", 0.0)),
                    page_area=float(event.get("page_area", 0.0)),
                    withheld_in_full=bool(event.get("withheld_in_full", False)),
                    failed_redaction=bool(event.get("failed_redaction", False)),
                    hidden_text=event.get("hidden_text", ""),
                )
            elif kind == "page_error":
                pages[event["page"]] = PageText(event["page"], event.get("text", ""), False)
                page_errors[event["page"]] = event["error"]
            elif kind == "members":
                result.members = [ArchiveMember(*m) for m in event["members"]]
            elif kind == "fail":
                fail = event
                result.encrypted = result.encrypted or event.get("encrypted", False)
        if run.death is not None and run.last_begun is not None and run.last_begun not in pages:
            pages[run.last_begun] = PageText(run.last_begun, "", False)
            page_errors[run.last_begun] = run.death
    result.pages = [pages[n] for n in sorted(pages)]
    lasts = [strand[-1] for strand in strands if strand]
    # Whole-document problems first: a refusal, a timeout, a death outside any page.
    doc_error = None
    if fail is not None:
        doc_error = fail["error"]
    elif any(last.timed_out for last in lasts):
        doc_error = ERROR_TIMEOUT
    elif dead := [last.death for last in lasts if last.death is not None and last.last_begun is None]:
        doc_error = dead[0]
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
    elif media_type == ZIP:
        result.status = STATUS_OK if result.members else STATUS_EMPTY
    elif not any(has_text(p.text) for p in result.pages):
        result.status = STATUS_EMPTY
    return result
