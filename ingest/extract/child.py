"""The sandboxed extraction process: ``python -m ingest.extract.child`` (started by runner.extract).

It reads one JSON request line on stdin ({path, media_type, limits, start_page}), lowers its own
resource limits before importing any parser, and writes one JSON event per line on stdout, flushing
each, so the parent keeps every page read before a crash, a kill or a timeout.
"""

from __future__ import annotations

import errno
import json
import os
import resource
import sys
import traceback


def set_limits(memory_mb: int, cpu_seconds: int) -> None:
    """Cap this process's address space and CPU time; tesseract children inherit both."""
    memory = memory_mb << 20
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # The soft limit sends SIGXCPU (the parent reports "cpu limit"); the hard one, a second later, kills.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    # No core dumps of hostile input lying around.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def events(path: str, media_type: str, limits, start_page: int = 1):
    """Dispatch on media type to the right extractor's event generator."""
    from . import archive, markup, office
    from . import mediatypes as media
    from .result import STATUS_FAILED, STATUS_UNSUPPORTED

    if media_type == media.PDF:
        from .pdf import extract_pdf

        return extract_pdf(path, limits, start_page)
    if media_type.startswith("image/"):
        from .images import extract_image

        return extract_image(path, limits, start_page)
    readers = {media.DOCX: office.docx_pages, media.XLSX: office.xlsx_pages, media.ODT: office.odt_pages}
    if media_type in readers:
        try:
            archive.check_container(path, limits)
        except archive.ArchiveRefused as exc:
            return iter([{"event": "fail", "status": STATUS_FAILED, "error": f"too large: {exc}"}])
        return office.pages_to_events(readers[media_type](path), limits)
    if media_type == media.ZIP:
        try:
            members = archive.list_zip_members(path, limits)
        except archive.ArchiveRefused as exc:
            return iter([{"event": "fail", "status": STATUS_FAILED, "error": f"too large: {exc}"}])
        return iter(
            [{"event": "meta", "page_count": 0, "encrypted": False}, {"event": "members", "members": members}]
        )
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


def _out_of_memory(exc: Exception) -> bool:
    """True for the OSErrors that RLIMIT_AS causes (mmap of a shared library or a buffer refused)."""
    return isinstance(exc, OSError) and (
        exc.errno == errno.ENOMEM or "failed to map segment" in str(exc) or "Cannot allocate" in str(exc)
    )


def main() -> int:
    """Run one extraction request from stdin; exit 0 whenever events were written, even failures."""
    request = json.loads(sys.stdin.readline())
    limits_dict = request["limits"]
    set_limits(limits_dict["memory_mb"], limits_dict["cpu_seconds"])
    sys.setrecursionlimit(5000)
    from .result import Limits

    limits = Limits(**limits_dict)
    # Events go to a private copy of stdout; fd 1 itself now points at stderr, so a native library
    # that prints cannot corrupt the event stream.
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    try:
        for event in events(request["path"], request["media_type"], limits, request.get("start_page", 1)):
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
