"""Exports read back: the requests CSV with the csv module, the evidence bundle with zipfile."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from datetime import date

import pytest

from tracker.web.exports import safe_name

pytestmark = pytest.mark.filterwarnings("ignore:Task name 'foiltrack.deadlines.recompute_all'")


def csrf(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def sign_in(client, user):
    page = client.get("/login")
    client.post("/login", data={"email": user.email, "password": "correct horse battery",
                                "csrf_token": csrf(page)})


@pytest.fixture
def history(app, make_agency, make_request, make_user):
    """A 2023 request taken through denial, fee and appeal; and a second, untouched one."""
    from tracker.dispatch import commit
    from tracker.operations import record_event

    volunteer = make_user("volunteer", "vol@example.org")
    agency = make_agency(name="New York City Police Department", short_name="NYPD")
    first = make_request(agency, title="=HYPERLINK(\"http://evil\")", received_on=date(2023, 1, 6),
                         tracking_numbers=["FOIL-2023-056-11528"], campaign="Ban the Scan",
                         assignees=[volunteer.email])
    record_event(first, "acknowledged", date(2023, 1, 12), None)
    record_event(first, "fee_requested", date(2023, 1, 20), None, data={"fee": 12.5})
    record_event(first, "denied", date(2023, 2, 10), None, data={"exemptions": ["87(2)(e)"]})
    record_event(first, "appeal_filed", date(2023, 3, 1), None, data={"tracking_number": "A-1", "filed_by": "post"})
    second = make_request(agency, title="Body camera audits", received_on=date(2023, 1, 6), campaign="Other")
    commit()
    return first, second


def test_requests_csv_has_every_deadline(client, make_user, history):
    first, second = history
    sign_in(client, make_user("lawyer"))
    response = client.get(f"/requests/export.csv?campaign={first.campaign_id}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["reference"] for r in rows] == [first.reference]
    row = rows[0]
    assert row["title"].startswith("'=HYPERLINK")  # a formula is never run by a spreadsheet
    assert row["received_on"] == "2023-01-06" and row["status"] == "appeal_constructively_denied"
    assert row["tracking_numbers"] == "FOIL-2023-056-11528" and row["appealed"] == "yes"
    assert row["appeal_outcome"] == "constructively_denied" and row["constructive_denial"] == "yes"
    assert row["fee_requested"] == "12.50" and row["fee_pending"] == "yes"
    assert row["assignees"] == "vol@example.org"
    assert int(row["days_open"]) > 365
    # Appeal received Wed 2023-03-01: ten business days is Wed 2023-03-15, missed long ago; then four months.
    assert (row["appeal_determination_due_on"], row["appeal_determination_missed"]) == ("2023-03-15", "yes")
    assert row["article78_due_on"] == "2023-07-17" and row["article78_raw_due_on"] == "2023-07-15"
    everything = client.get("/requests/export.csv").get_data(as_text=True)
    assert len(list(csv.DictReader(io.StringIO(everything)))) == 2


def test_csv_needs_the_export_permission(client, make_user, history):
    sign_in(client, make_user("volunteer"))
    assert client.get("/requests/export.csv").status_code == 403


def test_bundle_has_timeline_emails_documents_and_sums(app, client, make_user, history):
    from ingest.blobs import BlobStore
    from tracker.dispatch import commit
    from tracker.extensions import db
    from tracker.models import Document
    from tracker.operations.outbox import send_email

    first, _ = history
    lawyer = make_user("lawyer")
    message = send_email(first, lawyer, "foil@nypd.example.org", "Follow-up", "Any news?")
    blobs = BlobStore(app.config["BLOB_DIR"])
    pdf = b"%PDF-1.4 not really a pdf"
    docs = [Document(request=first, filename="../../etc/passwd", media_type="text/plain",
                     sha256=blobs.put(b"root:x:0:0"), visibility="internal"),
            Document(request=first, filename="Contract.pdf", media_type="application/pdf",
                     sha256=blobs.put(pdf), visibility="privileged"),
            Document(request=first, filename="gone.pdf", sha256="0" * 64, visibility="public")]
    db.session.add_all(docs)
    commit()
    sign_in(client, lawyer)
    response = client.get(f"/requests/{first.id}/bundle.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    bundle = zipfile.ZipFile(io.BytesIO(response.data))
    names = bundle.namelist()
    assert names[0] == "timeline.html" and "SHA256SUMS" in names and "manifest.json" in names
    emails = [n for n in names if n.startswith("emails/")]
    assert len(emails) == 1 and emails[0].endswith(".eml")
    assert bundle.read(emails[0]) == blobs.get(message.raw_sha256)
    assert f"documents/{docs[0].id:05d}-passwd" in names
    assert bundle.read(f"documents/{docs[1].id:05d}-Contract.pdf") == pdf
    assert all(".." not in n and not n.startswith("/") for n in names)
    for line in bundle.read("SHA256SUMS").decode().splitlines():
        digest, path = line.split("  ", 1)
        assert hashlib.sha256(bundle.read(path)).hexdigest() == digest
    manifest = json.loads(bundle.read("manifest.json"))
    assert [m["path"] for m in manifest["missing"]] == [f"documents/{docs[2].id:05d}-gone.pdf"]
    timeline = bundle.read("timeline.html").decode()
    assert "FOIL-2023-056-11528" in timeline and "Appeal filed" in timeline and "Any news?" in timeline
    # It reads as a document: grounds with their words, dates in full, no program output.
    assert "POL §87(2)(e): compiled for law enforcement purposes" in timeline
    assert "Friday, February 10, 2023" in timeline
    assert "exemptions:" not in timeline and "auto_reply" not in timeline and "['" not in timeline
    # A volunteer may see internal documents but not privileged ones, and may not export at all.
    client.post("/logout", data={"csrf_token": csrf(client.get("/calendar"))})
    sign_in(client, make_user("volunteer"))
    assert client.get(f"/requests/{first.id}/bundle.zip").status_code == 403


@pytest.mark.parametrize(("given", "expected"), [
    ("Contract.pdf", "Contract.pdf"),
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\x\\report.docx", "report.docx"),
    ("a\x00b<c>.pdf", "a_b_c_.pdf"),
    ("..", "file"),
    (" .hidden", "hidden"),
    ("x" * 300, "x" * 150),
])
def test_safe_name(given, expected):
    assert safe_name(given) == expected
