"""The sandboxed extraction process: ``python -m ingest.extract.child`` (started by runner.extract).

It reads JSON request lines on stdin ({path, media_type, limits, start_page, step; for a zip also
unpack_dir and budget}), lowers its own resource limits before importing any parser, and for each
request writes one JSON event per line on stdout, flushing each, so the parent keeps every page read
before a crash, a kill or a timeout; an "end" event closes each request. It stays warm for the next
request until the pool closes its stdin (see pool.py).
"""

from __future__ import annotations

import errno
import json
import math
import os
import resource
import sys
import traceback


def set_limits(memory_mb: int) -> None:
    """Cap this process's address space for its whole life; tesseract children inherit the cap."""
    memory = memory_mb << 20
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # No core dumps of hostile input lying around.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def allow_cpu(cpu_seconds: int) -> None:
    """Give the next document ``cpu_seconds`` of CPU from now: the soft limit sends SIGXCPU, which kills.

    A warm child serves many documents, so the limit is moved on before each one; the hard limit stays
    where it was, so the soft one can always be set (the parent's wall clock is the last resort).
    """
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = math.ceil(usage.ru_utime + usage.ru_stime)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = used + cpu_seconds
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def events(request: dict, limits):
    """Dispatch on media type to the right extractor's event generator."""
    from . import archive, markup, office
    from . import mediatypes as media
    from .result import STATUS_FAILED, STATUS_UNSUPPORTED

    path, media_type = request["path"], request["media_type"]
    start_page, step = request.get("start_page", 1), request.get("step", 1)
    if media_type == media.PDF:
        from .pdf import extract_pdf

        return extract_pdf(path, limits, start_page, step)
    if media_type.startswith("image/"):
        from .images import extract_image

        return extract_image(path, limits, start_page, step)
    readers = {media.DOCX: office.docx_pages, media.XLSX: office.xlsx_pages, media.ODT: office.odt_pages}
    if media_type in readers:
        try:
            archive.check_container(path, limits)
        except archive.ArchiveRefused as exc:
            return iter([{"event": "fail", "status": STATUS_FAILED, "error": f"too large: {exc}"}])
        return office.pages_to_events(readers[media_type](path), limits)
    if media_type == media.ZIP:
        return _archive_events(path, request, limits)
    if media_type == media.HTML:
        with open(path, "rb") as fh:
            data = fh.read()
        text = markup.html_to_text(markup.decode_text(data, markup.html_charset(data)))
        return office.pages_to_events([text], limits)
    if media_type.startswith("text/") or media_type in ("application/json", "application/xml"):
        with open(path, "rb") as fh:
            return office.pages_to_events([markup.decode_text(fh.read())], limits)
    if media_type == media.EMPTY:
        return iter([{"event": "fail", "status": STATUS_FAILED, "error": "corrupt: empty file"}])
    return iter([{"event": "fail", "status": STATUS_UNSUPPORTED, "error": f"unsupported: {media_type}"}])


def _archive_events(path: str, request: dict, limits):
    """Unpack a zip into the parent's folder under the budget it passed; one event with the members."""
    from . import archive
    from .result import STATUS_FAILED

    budget = archive.ArchiveBudget.from_limits(limits)
    if request.get("budget"):
        budget = archive.ArchiveBudget(request["budget"]["bytes"], request["budget"]["members"])
    try:
        members = archive.unpack_zip(path, request["unpack_dir"], limits, budget)
    except archive.ArchiveRefused as exc:
        error = str(exc) if str(exc).startswith("corrupt") else f"too large: {exc}"
        return iter([{"event": "fail", "status": STATUS_FAILED, "error": error[:1000]}])
    listed = [[m.name, m.size, m.sha256, m.media_type] for m in members]
    return iter([{"event": "meta", "page_count": 0, "encrypted": False}, {"event": "members", "members": listed}])


def _out_of_memory(exc: Exception) -> bool:
    """True for the OSErrors that RLIMIT_AS causes (mmap of a shared library or a buffer refused)."""
    return isinstance(exc, OSError) and (
        exc.errno == errno.ENOMEM or "failed to map segment" in str(exc) or "Cannot allocate" in str(exc)
    )


def serve(request: dict, out) -> None:
    """Run one extraction request, writing its events to ``out`` and ending with an "end" event."""
    from .result import Limits

    limits = Limits(**request["limits"])
    allow_cpu(limits.cpu_seconds)
    try:
        for event in events(request, limits):
            if len(event.get("text", "")) > limits.max_page_chars:
                event["text"] = event["text"][: limits.max_page_chars]
            out.write(json.dumps(event) + "\n")
            out.flush()
    except MemoryError:
        out.write(json.dumps({"event": "fail", "status": "failed", "error": "memory limit"}) + "\n")
    except RecursionError:
        out.write(
            json.dumps({"event": "fail", "status": "failed", "error": "corrupt: nesting too deep"}) + "\n"
        )
    # Parsers raise many unrelated types on hostile input; each is reported to the parent as the reason.
    except Exception as exc:  # noqa: BLE001
        traceback.print_exc()  # to the parent's stderr file, for whoever debugs a new failure
        error = "memory limit" if _out_of_memory(exc) else f"corrupt: {type(exc).__name__}: {exc}"[:500]
        out.write(json.dumps({"event": "fail", "status": "failed", "error": error}) + "\n")
    out.write(json.dumps({"event": "end"}) + "\n")
    out.flush()


def main() -> int:
    """Serve extraction requests, one JSON line each on stdin, until stdin closes (the pool recycles us).

    The first line's memory limit holds for this process's whole life; the CPU limit is renewed for
    every request.
    """
    line = sys.stdin.readline()
    if not line:
        return 0
    request = json.loads(line)
    set_limits(request["limits"]["memory_mb"])
    sys.setrecursionlimit(5000)
    # Events go to a private copy of stdout; fd 1 itself now points at stderr, so a native library
    # that prints cannot corrupt the event stream.
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    while True:
        serve(request, out)
        line = sys.stdin.readline()
        if not line:
            return 0
        request = json.loads(line)


if __name__ == "__main__":
    sys.exit(main())
