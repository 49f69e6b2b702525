"""Adding documents on the web: a file the request already holds is recognised, and the files sent together
(the drop zone sends one per call, with one batch id) share one budget for what their archives unpack."""

from __future__ import annotations

import io
import random
import zipfile

import pytest

from tests.conftest import csrf_token
from tests.ingest_support import make_pdf
from tests.test_browser_records import site  # noqa: F401 - a fixture

MB = 1 << 20


@pytest.fixture
def app_config(app_config):
    app_config["EXTRACT_ARCHIVE_MB"] = 1  # one email's, or one upload batch's, archives unpack to 1 MB at most
    return app_config


@pytest.fixture
def page(app, client, login, make_request):
    """A lawyer on a request's "Add documents" page: returns (request, the form's fields)."""
    found = make_request(received_on="2024-03-01")
    login("lawyer")
    form = client.get(f"/requests/{found.id}/documents")
    return found, {"csrf_token": csrf_token(form), "released_on": "2024-03-20", "visibility": "internal"}


def zip_of(seed: str, size: int) -> bytes:
    """A zip whose one text member inflates to `size` bytes (compressible, as real text is)."""
    rng = random.Random(seed)
    text = " ".join(rng.choice(["records", "camera", "contract", "policy"]) for _ in range(size // 6))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{seed}.txt", (f"{seed} " + text)[:size])
    return buffer.getvalue()


def drop(client, found, fields, name, content, batch):
    """What the drop zone sends for one file of a batch."""
    return client.post(f"/requests/{found.id}/documents", content_type="multipart/form-data",
                       headers={"Accept": "application/json"},
                       data={**fields, "batch": batch, "file": (io.BytesIO(content), name)})


def document(name):
    from tracker.models import Document

    return Document.query.filter_by(filename=name, parent_id=None).one()


def test_a_file_the_request_holds_is_recognised_not_added_twice(client, page):
    found, fields = page
    pdf = make_pdf(["Determination letter"])
    first = client.post(f"/requests/{found.id}/documents", content_type="multipart/form-data",
                        data={**fields, "file": (io.BytesIO(pdf), "letter.pdf")})
    assert first.status_code == 302
    again = client.post(f"/requests/{found.id}/documents", content_type="multipart/form-data", follow_redirects=True,
                        data={**fields, "file": [(io.BytesIO(pdf), "letter (1).pdf"),
                                                 (io.BytesIO(make_pdf(["A new memo"])), "memo.pdf")]})
    text = again.get_data(as_text=True)
    assert "Already on this request, so not added again: letter (1).pdf (as letter.pdf)." in text
    assert "Added 1 file (memo.pdf)" in text
    dropped = drop(client, found, fields, "letter-copy.pdf", pdf, "batch-recognise")
    assert dropped.status_code == 200
    assert dropped.json["items"] == [] and dropped.json["already"][0]["held_as"] == "letter.pdf"
    from tracker.models import Document

    assert sorted(d.filename for d in Document.query.all()) == ["letter.pdf", "memo.pdf"]


def test_one_batch_has_one_budget_for_what_its_archives_unpack(client, page):
    found, fields = page
    first = drop(client, found, fields, "box-1.zip", zip_of("alpha", 600_000), "batch-0000001")
    assert first.status_code == 201, first.json
    assert document("box-1.zip").text_status == "ok"
    # Alone, this zip is within the budget; in the same batch, the first one's 600 kB count against it.
    second = drop(client, found, fields, "box-2.zip", zip_of("bravo", 600_000), "batch-0000001")
    assert second.status_code == 201, second.json
    refused = document("box-2.zip")
    assert refused.text_status == "failed"
    assert "uncompressed size over 1 MB with what the other archives of the same email or upload batch" \
        in refused.text_error
    alone = drop(client, found, fields, "box-3.zip", zip_of("charlie", 600_000), "batch-0000002")
    assert alone.status_code == 201 and document("box-3.zip").text_status == "ok"


def test_a_batch_that_spent_its_budget_is_refused_at_once(client, page):
    found, fields = page
    whole = drop(client, found, fields, "cd.zip", zip_of("delta", MB), "batch-spent-01")
    assert whole.status_code == 201 and document("cd.zip").text_status == "ok"
    more = drop(client, found, fields, "more.zip", zip_of("echo", 1000), "batch-spent-01")
    assert more.status_code == 413
    assert more.json["error"]["code"] == "batch_budget_spent"
    assert "Add the rest in a new upload" in more.json["error"]["message"]
    from tracker.models import Document

    assert Document.query.filter_by(filename="more.zip").count() == 0
    fresh = drop(client, found, fields, "more.zip", zip_of("echo", 1000), "batch-spent-02")
    assert fresh.status_code == 201


@pytest.mark.parametrize("batch", ["short", "has space in it", "x" * 65, "semi;colon"])
def test_a_malformed_batch_id_is_refused(client, page, batch):
    found, fields = page
    answer = drop(client, found, fields, "a.pdf", make_pdf(["x"]), batch)
    assert answer.status_code == 422 and answer.json["error"]["field"] == "batch"


@pytest.mark.browser
@pytest.mark.parametrize("width", [1366, 390])
def test_the_drop_zone_says_which_files_the_request_already_held(site, browser_page, tmp_path, width):  # noqa: F811
    import re

    from tests.test_browser_records import a_submitted_request, fits, sign_in

    page = browser_page
    sign_in(page, site, "ana@example.org", width)
    target = a_submitted_request()
    page.goto(f"{site}/requests/{target.id}")
    held, new = tmp_path / "response-letter.pdf", tmp_path / "new-memo.pdf"
    held.write_bytes(make_pdf(["Response letter with the Yarrowfield determination"]))
    new.write_bytes(make_pdf(["A memo nobody uploaded before"]))
    page.get_by_label(re.compile("^Files")).set_input_files(str(held))
    page.get_by_role("button", name="Add the documents").click()
    page.wait_for_url(re.compile(r"\?added=1#documents$"))

    page.get_by_label(re.compile("^Files")).set_input_files([str(held), str(new)])
    page.get_by_role("button", name="Add the documents").click()
    status = page.locator("[data-upload-status]")
    status.get_by_role("link", name="Back to the request").wait_for()
    assert "Added 1 file(s); 1 already on this request, not added again" in status.text_content()
    items = page.locator("[data-upload-list] li").all_text_contents()
    assert items == ["response-letter.pdf: already on this request (as response-letter.pdf), not added again",
                     "new-memo.pdf: added"]
    fits(page)
    page.screenshot(path=str(tmp_path / f"already-held-{width}.png"), full_page=True)
