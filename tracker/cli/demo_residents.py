"""The demonstration's residents: requests for several neighborhoods, one in each state the public map shows.

Residents here are made up (example.net addresses); their requests are ordinary requests of the campaign,
filed and logged through the operations, as if the agency had received them by email.
"""

from __future__ import annotations

from datetime import date

from tracker import deadlines
from tracker.extensions import db
from tracker.geo import find_neighborhood
from tracker.models import Agency, Campaign, Resident, User
from tracker.models.base import utcnow
from tracker.operations import file_request, record_event
from tracker.operations.residents import letter_for

# (NTA code, business days ago the agency received it, events as (business days after receipt, type, data)).
RESIDENT_REQUESTS = [
    ("BK0202", 30, [(4, "acknowledged", {}), (20, "records_released", {"pages": 3})]),
    ("BK0901", 40, [(3, "granted", {}), (5, "records_released", {"pages": 2})]),
    ("MN0401", 2, []),
    ("MN1101", 5, [(3, "acknowledged", {})]),
    ("BX0101", 10, []),
    ("QN0101", 30, [(3, "acknowledged", {}), (15, "denied", {"exemptions": ["87(2)(e)"]})]),
    ("SI0101", 40, [(4, "acknowledged", {}), (20, "denied", {"exemptions": ["87(2)(e)", "87(2)(f)"]}),
                    (36, "appeal_filed", {"filed_by": "post"})]),
]
# Released for the first resident's request, shown on its neighborhood page and found by public search.
PRODUCTION = ("BK0202", "NYPD-Downtown-Brooklyn-cameras.pdf", 3)


def title_for(code: str) -> str:
    """The title a resident's request for this neighborhood gets (as the generator makes it)."""
    place = find_neighborhood(code)
    return f"Facial recognition in {place.name}, {place.borough} ({place.code})"


def load_resident_requests(campaign: Campaign, agency: Agency, lawyer: User, today: date, back) -> None:
    """Give the public campaign a few residents' requests across the boroughs."""
    for number, (code, ago, events) in enumerate(RESIDENT_REQUESTS, start=1):
        place = find_neighborhood(code)
        letter_name = chr(ord("A") + number - 1)
        resident = Resident(campaign=campaign, nta_code=code, name=f"Demo Resident {letter_name}",
                            email=f"resident-{letter_name.lower()}@example.net", pseudonym=f"Resident DEMO{number:02d}",
                            state="confirmed", confirmed_at=utcnow())
        db.session.add(resident)
        db.session.flush()
        received = back(today, ago)
        request = file_request(None, agency, title_for(code), letter_for(campaign, place, resident),
                               campaign=campaign, visibility="public", received_on=received)
        for offset, kind, data in events:
            record_event(request, kind, deadlines.add_business_days(received, offset), lawyer, data)
        # Attached after the made-up history, so that no email goes to the made-up residents.
        request.nta_code, request.resident_id = code, resident.id
    db.session.flush()
