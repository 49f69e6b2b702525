"""The facts an event records (its `data`), checked before they reach the timeline."""

from __future__ import annotations

from tracker.operations.errors import Invalid

# Bounds that no real production or fee comes near, so that a typo cannot store an absurd number.
MAX_PAGES_RELEASED = 10_000_000
MAX_FEE = 1_000_000
# A reason for an extension or an appeals officer's name, as the agency wrote it.
MAX_TEXT_FACT = 2000


def clean_event_data(event_type: str, data) -> dict:
    """An event's facts, checked: dates within the calendar, known grounds, sane numbers and texts."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise Invalid("data must be an object", field="data")
    data = dict(data)
    from tracker.operations.requests import parse_date

    for key in ("date_certain", "received_on"):
        if key in data and data[key] is not None:
            data[key] = parse_date(data[key], f"data.{key}").isoformat()
    if "exemptions" in data:
        from tracker.grounds import check_grounds

        data["exemptions"] = check_grounds(data["exemptions"])
    if "pages" in data:
        pages = data["pages"]
        if isinstance(pages, bool) or not isinstance(pages, int) or not 0 <= pages <= MAX_PAGES_RELEASED:
            raise Invalid(f"data.pages must be a whole number of pages from 0 to {MAX_PAGES_RELEASED:,}",
                          field="data.pages")
    for key in ("reason", "appeals_officer"):
        if key in data and (not isinstance(data[key], str) or len(data[key]) > MAX_TEXT_FACT):
            raise Invalid(f"data.{key} must be text of at most {MAX_TEXT_FACT} characters", field=f"data.{key}")
    for key in ("determination_event_id", "appeal_event_id"):
        if key in data and (isinstance(data[key], bool) or not isinstance(data[key], int)):
            raise Invalid(f"data.{key} must be the id of an event of this request", field=f"data.{key}")
    if "fee" in data:
        fee = data["fee"]
        if isinstance(fee, bool) or not isinstance(fee, int | float) or not 0 <= fee <= MAX_FEE:
            raise Invalid(f"data.fee must be an amount in dollars from 0 to {MAX_FEE:,}", field="data.fee")
    return data
