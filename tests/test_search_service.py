"""The search service: records built from the database, the single writer, rebuilds, and recovery."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest

from tests import search_support as support
from tests.ingest_support import make_pdf
from tests.search_support import add_pages

BOTH_SEARCH_ENGINES = True  # every test on Whoosh (SQLite) and PostgreSQL full-text search


@pytest.fixture
def whoosh_only(app_config):
    """Skip a test about the Whoosh index's files when the app searches with PostgreSQL."""
    if app_config["SEARCH_ENGINE"] != "whoosh":
        pytest.skip("about the Whoosh index folder; PostgreSQL search has no files of its own")

people = support.people  # fixture


@pytest.fixture
def nypd_request(make_agency, make_request):
    agency = make_agency(name="New York City Police Department", short_name="NYPD")
    return make_request(agency=agency, title="Facial recognition", campaign="Ban the Scan")


def found(user, q, **filters):
    from tracker.searching.service import search_for

    return [(h.document_id, h.page) for h in search_for(user, q, filters, per_page=50).hits]


def deliver(app, *, to: str, subject: str, body: str = "", html: str = "", attachment: bytes | None = None):
    """An email delivered as the mail worker delivers it (parse, match, record, commit)."""
    from ingest.blobs import BlobStore
    from tracker.dispatch import commit
    from tracker.operations.mail import deliver_raw

    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "Records Officer <records@nypd.example.org>", to, subject
    msg["Date"] = format_datetime(datetime(2023, 3, 6, 15, 0, tzinfo=UTC))
    msg.set_content(body or "See the attached.")
    if html:
        msg.add_alternative(html, subtype="html")
    if attachment is not None:
        msg.add_attachment(attachment, maintype="application", subtype="pdf", filename="release.pdf")
    raw = msg.as_bytes()
    message, _ = deliver_raw(raw, BlobStore(app.config["BLOB_DIR"]).put(raw), queue_work=False)
    commit()
    return message


def test_page_records_carry_the_request_agency_campaign_and_the_mail_date(app, nypd_request):
    from ingest.extract import ExtractResult, PageText
    from tracker.api.serialize import reply_address
    from tracker.dispatch import commit
    from tracker.operations.documents import store_extraction
    from tracker.searching import sources

    message = deliver(app, to=reply_address(nypd_request), subject="Production 1",
                      attachment=make_pdf(["one"]))
    [document] = message.documents
    store_extraction(document, ExtractResult(status="ok", page_count=3, pages=[
        PageText(1, "Contract for facial recognition software."), PageText(2, "   "),
        PageText(3, "Scanned invoice", ocr=True)]))
    commit()
    records = {r.key: r for r in sources.document_records([document.id])}
    pages = {r.page: r for r in records.values()}
    assert sorted(pages) == [1, 3]  # the blank page is left out
    first = pages[1]
    assert (first.request_id, first.agency_id, first.campaign) == (nypd_request.id, nypd_request.agency_id,
                                                                    "Ban the Scan")
    assert first.agency == "New York City Police Department"
    assert (first.document_id, first.filename) == (document.id, "release.pdf")
    assert first.media_type == "application/pdf"
    assert first.visibility == "internal" and first.released_on == date(2023, 3, 6) and pages[3].ocr
    [body] = sources.message_records([message.id])
    assert (body.kind, body.visibility, body.document_id) == ("message", "internal", None)
    assert "Production 1" in body.text and body.request_id == nypd_request.id


def test_an_html_only_email_is_searched_by_its_text(app, nypd_request):
    from tracker.api.serialize import reply_address
    from tracker.searching import sources

    message = deliver(app, to=reply_address(nypd_request), subject="Status",
                      html="<p>Your request is <b>under review</b> &amp; pending.</p>")
    text = sources.message_text(message.subject, "", "", message.body_html)
    assert "under review & pending" in text and "<b>" not in text


def test_documents_are_searchable_as_soon_as_their_text_commits(app, nypd_request, people):
    admin = people["admin"]
    document = add_pages(nypd_request, ["The drone program budget.", "Drone flight logs for March."])
    assert sorted(found(admin, "drone")) == [(document.id, 1), (document.id, 2)]
    assert found(admin, "flight logs") == [(document.id, 2)]


def test_reextraction_with_fewer_pages_drops_the_stale_ones(app, nypd_request, people):
    from ingest.extract import ExtractResult, PageText
    from tracker.dispatch import commit
    from tracker.operations.documents import store_extraction

    document = add_pages(nypd_request, ["alpha memo", "bravo memo", "charlie memo"])
    assert len(found(people["admin"], "memo")) == 3
    store_extraction(document, ExtractResult(status="ok", page_count=1, pages=[PageText(1, "alpha memo")]))
    commit()
    assert found(people["admin"], "memo") == [(document.id, 1)]


def test_writes_are_idempotent_and_survive_many_commits(app, nypd_request, people):
    from tracker.searching.service import index_documents_now, remove_document

    documents = [add_pages(nypd_request, [f"ledger entry {n}"]) for n in range(12)]  # 12 commits: merges
    assert len(found(people["admin"], "ledger")) == 12
    assert index_documents_now([d.id for d in documents[:3]]) == 3
    assert index_documents_now([d.id for d in documents[:3]]) == 3
    assert len(found(people["admin"], "ledger")) == 12
    remove_document(documents[0].id)
    assert len(found(people["admin"], "ledger")) == 11


def test_reindex_command_rebuilds_and_counts(app, runner, nypd_request, people):
    add_pages(nypd_request, ["one page about cameras", "another about cameras"])
    result = runner.invoke(args=["reindex", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "Indexed 3 pages, messages and requests" in result.output  # two pages and the request
    assert len(found(people["researcher"], "cameras")) == 2


def test_reindex_command_fails_clearly(whoosh_only, app, runner, nypd_request):
    add_pages(nypd_request, ["text"])
    blocker = Path(app.config["DATA_DIR"]) / "not-a-folder"
    blocker.write_text("a file where the index should go")
    app.config["INDEX_DIR"] = str(blocker)
    result = runner.invoke(args=["reindex", "--quiet"])
    assert result.exit_code != 0
    assert "cannot write the search index" in result.output and str(blocker) in result.output


def test_a_missing_index_is_rebuilt_not_fatal(whoosh_only, app, nypd_request, people):
    from tracker.searching.service import forget_index

    document = add_pages(nypd_request, ["subpoena for the camera footage"])
    forget_index()
    shutil.rmtree(app.config["INDEX_DIR"])
    assert found(people["researcher"], "subpoena") == [(document.id, 1)]


def test_a_damaged_index_is_rebuilt_not_fatal(whoosh_only, app, client, api_as, nypd_request):
    from tracker.searching.service import forget_index

    document = add_pages(nypd_request, ["warrant for the license plate readers"])
    forget_index()
    current = Path(app.config["INDEX_DIR"]) / "current"
    for segment_file in current.resolve().iterdir():
        if segment_file.name.startswith("MAIN_") and segment_file.suffix in (".trm", ".pst", ".seg"):
            segment_file.write_bytes(b"\x00garbage")
    body = api_as("researcher").get("/api/v1/search?q=warrant").json
    assert [h["document_id"] for h in body["hits"]] == [document.id]


@pytest.fixture
def queued_app(request, app_config):
    """The app with a real (in-memory) queue instead of inline tasks, as in production."""
    app_config.update(TASKS_EAGER=False, BROKER_URL="memory://")
    return request.getfixturevalue("app")


def test_a_big_damaged_index_is_queued_for_rebuild_and_searches_say_so(whoosh_only, queued_app, api_as, nypd_request,
                                                                         monkeypatch):
    from tracker.searching import service

    document = add_pages(nypd_request, ["alpha", "bravo"])  # only queued here: no worker runs in this test
    assert service.index_documents_now([document.id]) == 2
    service.forget_index()
    (Path(queued_app.config["INDEX_DIR"]) / "current").unlink()
    monkeypatch.setattr(service, "INLINE_REBUILD_LIMIT", 1)  # two records count as a big database
    response = api_as("researcher").get("/api/v1/search?q=alpha")
    assert response.status_code == 503
    assert response.json["error"]["code"] == "search_unavailable"
    assert "rebuilt" in response.json["error"]["message"]


def test_a_new_deployment_searched_before_its_index_writer_built_the_index_says_so(whoosh_only, queued_app,
                                                                                    api_as, nypd_request):
    from tracker.searching import service

    add_pages(nypd_request, ["alpha"])  # in the database; the index writer (not running here) has built nothing
    service.forget_index()
    index_dir = Path(queued_app.config["INDEX_DIR"])
    shutil.rmtree(index_dir)
    response = api_as("researcher").get("/api/v1/search?q=alpha")
    assert response.status_code == 503
    assert response.json["error"] == {"code": "search_unavailable", "message":
                                      "Search is being built for the first time; try again in a few minutes."}
    assert not index_dir.exists()  # a reader queues the build and writes nothing


def test_a_rebuild_holds_off_incremental_writers(whoosh_only, app, nypd_request):
    from search import IndexBusy, PageRecord, SearchIndex
    from tracker.searching.service import _holding_current_generation, index_path

    add_pages(nypd_request, ["anything"])
    with (_holding_current_generation(index_path()), SearchIndex(index_path(), lock_timeout=0.2) as index,
          pytest.raises(IndexBusy)):
        index.write([PageRecord(key="page:999", text="late write")])
    with SearchIndex(index_path(), lock_timeout=0.2) as index:
        assert index.write([PageRecord(key="page:999", text="late write")]) == 1


def test_a_write_that_a_rebuild_overtakes_is_written_again(whoosh_only, app, nypd_request, people):
    from search import PageRecord, rebuild
    from tracker.searching.service import _write, index_path

    document = add_pages(nypd_request, ["a page the rebuild leaves out"])  # the database knows it
    # A real page of the document (the searches check each page hit against the database).
    record = PageRecord(key=f"page:{document.pages[0].id}", text="overtaken write", document_id=document.id,
                        visibility="public")
    calls = []

    def write(index):
        calls.append(index)
        written = index.write([record])
        if len(calls) == 1:
            rebuild(index_path(), [])  # another process swaps in a rebuild that lacks our record
        return written

    assert _write(write) == 1
    assert len(calls) == 2
    assert found(people["researcher"], "overtaken") == [(document.id, 1)]
