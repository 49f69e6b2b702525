"""Demonstration mail: agency replies with generated productions, delivered through the real mail path.

The PDFs are made up on the spot (clearly example text, no real records), then each email goes through
`deliver_raw` exactly as one fetched from IMAP would: matching, documents, extraction and indexing.
"""

from __future__ import annotations

import random
from datetime import datetime, time
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from zoneinfo import ZoneInfo

from fpdf import FPDF

from tracker.api.serialize import reply_address

SUBJECTS = ["facial recognition", "image comparison", "investigative lead", "probe image", "candidate list",
            "identification section", "vendor", "retention", "audit log", "training"]
SENTENCES = [
    "The Facial Identification Section received a request to compare a probe image against the repository.",
    "A possible match was returned as an investigative lead only and is not probable cause to arrest.",
    "The investigator was reminded that the candidate list must be reviewed by a trained examiner.",
    "Audit logs are retained for the period set by the records retention schedule.",
    "The vendor demonstration covered search accuracy, image quality thresholds and operator training.",
    "No match was found after the image was enhanced and compared with the arrest photo repository.",
    "The request was closed and the probe image deleted from the working folder.",
    "Supervisory review is required before any result is shared outside the section.",
]


def production_pdf(title: str, pages: int, seed: int) -> bytes:
    """A made-up production of `pages` pages, with a text layer, for the demonstration."""
    rng = random.Random(seed)
    pdf = FPDF(format="letter")
    pdf.set_auto_page_break(False)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 13)
        pdf.cell(0, 10, f"{title} (DEMONSTRATION - NOT A REAL RECORD)", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=11)
        pdf.cell(0, 8, f"Case log entry {seed:03d}-{number:04d}: {rng.choice(SUBJECTS)}", new_x="LMARGIN",
                 new_y="NEXT")
        body = " ".join(rng.choice(SENTENCES) for _ in range(6))
        pdf.multi_cell(0, 6, body)
        pdf.set_y(-20)
        pdf.cell(0, 10, f"Page {number} of {pages}", align="C")
    return bytes(pdf.output())


def agency_reply(request, subject: str, text: str, attachment: tuple[str, bytes] | None, day) -> bytes:
    """The raw bytes of an email the agency sends to the request's reply address."""
    message = EmailMessage()
    message["From"] = f"{request.agency.name} Records Access <{request.agency.foil_email}>"
    message["To"] = reply_address(request)
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.combine(day, time(10, 30), ZoneInfo("America/New_York")))
    message["Message-ID"] = make_msgid(domain=request.agency.foil_email.split("@")[-1])
    message.set_content(text)
    if attachment:
        name, data = attachment
        message.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return message.as_bytes()


def stranger_message(day) -> bytes:
    """A message nobody can route automatically: it waits in the triage queue."""
    message = EmailMessage()
    message["From"] = "Records Unit <records@city-agency.example.net>"
    message["To"] = "foil@foil.example.org"
    message["Subject"] = "Your records request"
    message["Date"] = format_datetime(datetime.combine(day, time(9, 0), ZoneInfo("America/New_York")))
    message["Message-ID"] = make_msgid(domain="city-agency.example.net")
    message.set_content("We are writing about your recent request for records about face recognition "
                        "software. Please confirm the date range you are interested in.")
    return message.as_bytes()
