"""Shared helpers of the search tests: documents made through the mail-in operations, one user per role."""

from __future__ import annotations

import pytest

ROLES = ("admin", "lawyer", "volunteer", "researcher")
# What each role may find (tracker.permissions.VISIBLE is the rule, this is the expectation).
SEES = {
    "admin": {"public", "internal", "privileged"},
    "lawyer": {"public", "internal", "privileged"},
    "volunteer": {"public", "internal"},
    "researcher": {"public"},
}


def add_pages(request, pages: list[str], *, visibility: str = "public", filename: str = "production.pdf",
              content: bytes | None = None, ocr: bool = False):
    """A document on `request` with these pages' text, committed (which queues its indexing).

    The file is stored through tracker.operations.documents.add_document and its text recorded with
    store_extraction, exactly as the mail-in pipeline does after extraction; the extraction itself is
    skipped (its own tests cover it) to keep these tests fast.
    """
    from ingest.extract import ExtractResult, PageText
    from tracker.dispatch import commit
    from tracker.operations.documents import add_document, store_extraction

    document = add_document(content if content is not None else f"{filename}\n".encode() + b"x" * 64,
                            filename, request=request, visibility=visibility, queue_extraction=False)
    result = ExtractResult(status="ok", media_type=document.media_type, page_count=len(pages),
                           pages=[PageText(n, text, ocr) for n, text in enumerate(pages, start=1)])
    store_extraction(document, result)
    commit()
    return document


@pytest.fixture
def people(app, make_user):
    """One user of each role, by role name."""
    return {role: make_user(role, f"{role}@example.org") for role in ROLES}
