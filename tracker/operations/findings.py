"""Findings: make one from a cited passage, verify it (someone other than its author), verify an imported
batch at once, delete one. Each writes an audit row, flushes, and never commits."""

from __future__ import annotations

import math
from datetime import date

from sqlalchemy import select

from tracker import audit, geo, permissions
from tracker.extensions import db
from tracker.geo.points import in_city_box, neighborhood_at, neighborhoods_in_district
from tracker.models import Campaign, Document, Finding, Page
from tracker.models.base import utcnow as utc_now
from tracker.models.findings import FINDING_KINDS
from tracker.operations.errors import Forbidden, Invalid, NotFound

MAX_QUOTE = 5_000
FIELDS = ("kind", "document_id", "page", "quote", "source", "source_url", "nta_codes", "place_label",
          "latitude", "longitude", "period_start", "period_end", "campaign_id", "batch")


def _date(value, field: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise Invalid(f"{field} must be a date written YYYY-MM-DD, not {value!r}", field=field) from None


def _coordinate(value, field: str) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Invalid(f"{field} must be a number of degrees, not {value!r}", field=field) from None
    if not math.isfinite(number):
        raise Invalid(f"{field} must be a number of degrees", field=field)
    return number


def place(*, nta_codes=None, latitude=None, longitude=None, zip_code=None, community_district=None
          ) -> tuple[list[str], str, float | None, float | None]:
    """Where a finding is: (NTA codes, how it was placed in words, latitude, longitude), from exactly one of
    a point, NTA codes, a ZIP code or a community district; Invalid saying what is wrong otherwise."""
    lat, lon = _coordinate(latitude, "latitude"), _coordinate(longitude, "longitude")
    given = [name for name, value in (("a point", lat is not None or lon is not None),
                                      ("nta_codes", bool(nta_codes)), ("zip_code", bool(zip_code)),
                                      ("community_district", bool(community_district))) if value]
    if len(given) != 1:
        raise Invalid("place a finding by exactly one of: latitude and longitude, nta_codes, zip_code or "
                      f"community_district (given: {', '.join(given) or 'none'})", field="nta_codes")
    if given == ["a point"]:
        if lat is None or lon is None:
            raise Invalid("a point needs both latitude and longitude", field="latitude" if lat is None
                          else "longitude")
        if not in_city_box(lon, lat):
            raise Invalid(f"the point {lat}, {lon} is outside New York City", field="latitude")
        code = neighborhood_at(lon, lat)
        if code is None:
            raise Invalid(f"the point {lat}, {lon} is in no neighborhood of New York City (the water?)",
                          field="latitude")
        return [code], "a point", lat, lon
    if nta_codes:
        if isinstance(nta_codes, str):
            nta_codes = [nta_codes]
        codes = []
        for value in nta_codes:
            found = geo.find_neighborhood(value) if isinstance(value, str) else None
            if found is None:
                raise Invalid(f"{value!r} is not a 2020 neighborhood (NTA) code, e.g. BK0101", field="nta_codes")
            if found.code not in codes:
                codes.append(found.code)
        return codes, "", None, None
    if zip_code:
        try:
            codes = [n.code for n in geo.neighborhoods_for_zip(str(zip_code))]
        except geo.ZipCodeError as exc:
            raise Invalid(str(exc), field="zip_code") from None
        return codes, f"ZIP code {str(zip_code)[:5]}", None, None
    codes = neighborhoods_in_district(str(community_district))
    if not codes:
        raise Invalid(f"{community_district!r} is not a community district, e.g. BK01", field="community_district")
    return codes, geo.find_neighborhood(codes[0]).community_district, None, None


def _cited_page(document_id, page) -> tuple[Document, int]:
    document = db.session.get(Document, document_id) if isinstance(document_id, int) \
        and not isinstance(document_id, bool) and 0 < document_id < 2**31 else None
    if document is None:
        raise Invalid(f"there is no document {document_id!r}", code="unknown_document", field="document_id")
    if not isinstance(page, int) or isinstance(page, bool) or page < 1:
        raise Invalid("page is the page number the passage is on, from 1", field="page")
    if db.session.scalar(select(Page.id).where(Page.document_id == document.id, Page.number == page)) is None:
        raise Invalid(f"document {document.id} has no page {page}", field="page")
    return document, page


def create_finding(actor, *, campaign: Campaign, kind: str, document_id=None, page=None, quote: str = "",
                   source: str = "", source_url: str = "", period_start=None, period_end=None, batch=None,
                   **where) -> Finding:
    """Record a finding: a kind, a cited passage (a document's page and quote, or an outside source), a
    place (see `place`) and the period it speaks of. It stays unverified until someone else confirms it."""
    if kind not in FINDING_KINDS:
        raise Invalid(f"kind is one of {', '.join(FINDING_KINDS)}", field="kind")
    if not isinstance(quote, str) or len(quote) > MAX_QUOTE:
        raise Invalid(f"quote is text of at most {MAX_QUOTE:,} characters", field="quote")
    if not isinstance(source, str) or not isinstance(source_url, str):
        raise Invalid("source and source_url are text", field="source")
    document = None
    if document_id is not None or page is not None:
        document, page = _cited_page(document_id, page)
        if actor is not None and not isinstance(actor, audit.Actor) and not permissions.can_see_document(actor,
                                                                                                         document):
            raise Invalid(f"there is no document {document_id!r}", code="unknown_document", field="document_id")
        if not quote.strip():
            raise Invalid("quote the passage of the page the finding rests on", field="quote")
    elif not source.strip():
        raise Invalid("cite the finding: a document and page, or a source", field="source")
    codes, label, lat, lon = place(**where)
    start, end = _date(period_start, "period_start"), _date(period_end, "period_end")
    if start and end and start > end:
        raise Invalid("the period ends before it starts", field="period_end")
    user_id, who = _author(actor)
    finding = Finding(campaign=campaign, kind=kind, document=document, page=page, quote=" ".join(quote.split()),
                      source=source.strip(), source_url=source_url.strip(), nta_codes=codes, place_label=label,
                      latitude=lat, longitude=lon, period_start=start, period_end=end, batch=batch,
                      created_by_id=user_id, created_by_label=who[:320])
    db.session.add(finding)
    db.session.flush()
    if batch is None:
        audit.record(actor, "finding.create", finding, changes=audit.snapshot(finding, FIELDS))
    return finding


def _author(actor) -> tuple[int | None, str]:
    if getattr(actor, "id", None) is not None and hasattr(actor, "email"):
        return actor.id, actor.email
    return None, getattr(actor, "label", None) or "system"


def verify_finding(finding: Finding, actor) -> Finding:
    """Confirm someone else's finding; the author may not (a second pair of eyes is the point)."""
    if getattr(actor, "id", None) is None:
        raise Forbidden("a finding is verified by a person signed in")
    if finding.created_by_id == actor.id:
        raise Forbidden("you made this finding: someone else must verify it", code="own_finding")
    if finding.verified_at is None:
        finding.verified_at, finding.verified_by_id = utc_now(), actor.id
        db.session.flush()
        audit.record(actor, "finding.verify", finding, summary=f"verified finding {finding.id}")
    return finding


def verify_batch(campaign: Campaign, batch: str, actor) -> int:
    """Confirm every unverified finding of an imported batch as one audited action; the number verified."""
    if getattr(actor, "id", None) is None:
        raise Forbidden("a batch is verified by a person signed in")
    findings = db.session.scalars(select(Finding).where(Finding.campaign_id == campaign.id,
                                                        Finding.batch == batch)).all()
    if not findings:
        raise NotFound(f"campaign {campaign.name!r} has no import batch {batch!r}")
    if any(f.created_by_id == actor.id for f in findings):
        raise Forbidden("you imported this batch: someone else must verify it", code="own_finding")
    now, count = utc_now(), 0
    for finding in findings:
        if finding.verified_at is None:
            finding.verified_at, finding.verified_by_id = now, actor.id
            count += 1
    db.session.flush()
    audit.record(actor, "finding.verify_batch", ("campaigns", campaign.id), changes={"batch": batch,
                 "verified": count}, summary=f"verified {count} imported findings of batch {batch}")
    return count


def delete_finding(finding: Finding, actor) -> None:
    """Delete a finding, keeping what it said in the audit trail."""
    snapshot = audit.snapshot(finding, FIELDS)
    subject = ("findings", finding.id)
    db.session.delete(finding)
    db.session.flush()
    audit.record(actor, "finding.delete", subject, changes=snapshot)


def _public_query(campaign_id: int, *columns):
    """The campaign's verified findings citing a public page or an outside source (see finding_is_public)."""
    from sqlalchemy import or_

    return (select(*columns).select_from(Finding).outerjoin(Document, Document.id == Finding.document_id)
            .where(Finding.campaign_id == campaign_id, Finding.verified_at.is_not(None),
                   or_(Finding.document_id.is_(None), Document.visibility == "public")))


def public_findings(campaign_id: int, nta_code: str | None = None) -> list[Finding]:
    """The campaign's findings the public may see (verified; citing a public page or an outside source),
    optionally only those placed in one neighborhood; oldest first."""
    from sqlalchemy import String, cast

    query = _public_query(campaign_id, Finding).order_by(Finding.id)
    if nta_code:  # narrowed in the database by the code's text, then checked exactly
        query = query.where(cast(Finding.nta_codes, String).like(f'%"{nta_code}"%'))
    found = [f for f in db.session.scalars(query) if permissions.finding_is_public(f)]
    if nta_code:
        found = [f for f in found if nta_code in (f.nta_codes or [])]
    return found


def findings_by_neighborhood(campaign_id: int) -> dict[str, int]:
    """NTA code -> how many public findings are placed there (one query, codes only)."""
    counts: dict[str, int] = {}
    for codes in db.session.scalars(_public_query(campaign_id, Finding.nta_codes)):
        for code in codes or []:
            counts[code] = counts.get(code, 0) + 1
    return counts


def place_rows(rows, progress=None) -> list[str]:
    """The NTA code of each row of a findings file (tracker.finding_files rows), placing points in bulk;
    Invalid naming every row that cannot be placed. `progress(n)` is told as rows are placed."""
    from tracker.geo.points import neighborhoods_at

    points = [(r.longitude, r.latitude) for r in rows if r.latitude is not None]
    placed = iter(neighborhoods_at(points))
    if progress is not None and points:
        progress(len(points))
    codes, problems = [], []
    for row in rows:
        if row.latitude is not None:
            code = next(placed)
            if code is None:
                problems.append(f"{row.where}: the point {row.latitude}, {row.longitude} is in no neighborhood "
                                "of New York City")
        else:
            found = geo.find_neighborhood(row.nta_code)
            code = found.code if found else None
            if code is None:
                problems.append(f"{row.where}: {row.nta_code!r} is not a 2020 neighborhood (NTA) code")
            elif progress is not None:
                progress(1)
        codes.append(code)
    if problems:
        more = f"; and {len(problems) - 50} more" if len(problems) > 50 else ""
        raise Invalid("; ".join(problems[:50]) + more, code="bad_rows")
    return codes


def import_findings(actor, campaign: Campaign, rows, codes: list[str], *, source: str, batch: str
                    ) -> list[Finding]:
    """Add a file's placed findings (rows and their codes from `place_rows`) as one unverified batch that
    carries its source; one audit row records the import."""
    if not source.strip():
        raise Invalid("an imported finding needs its source (a citation of where it comes from)", field="source")
    user_id, who = _author(actor)
    findings = [Finding(campaign_id=campaign.id, kind=row.kind, quote=row.quote, source=source.strip(),
                        source_url=row.source_url, nta_codes=[code],
                        place_label="a point" if row.latitude is not None else "",
                        latitude=row.latitude, longitude=row.longitude, period_start=row.period_start,
                        period_end=row.period_end, batch=batch, created_by_id=user_id, created_by_label=who[:320])
                for row, code in zip(rows, codes, strict=True)]
    db.session.add_all(findings)
    db.session.flush()
    audit.record(actor, "finding.import", ("campaigns", campaign.id),
                 changes={"batch": batch, "findings": len(findings), "source": source.strip()},
                 summary=f"imported {len(findings)} findings as batch {batch}")
    return findings
