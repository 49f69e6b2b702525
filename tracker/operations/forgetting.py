"""Forgetting a resident: their name, email and postal address leave every place the product keeps bytes.

- every text and JSON column of every table (residents, resident emails, messages in and out, events,
  audit changes, the notification log, pending work…) is rewritten with the resident's pseudonym;
- the original bytes (.eml) of every message of their requests that names them (the letter sent for them,
  an agency reply that quotes them) are rewritten with the pseudonym, stored under their new SHA-256 and
  marked as redacted at the resident's request with the date; the original blob is deleted once the
  transaction has committed;
- after the commit (`finish_forgetting`, a task): the search index is written again for those messages and
  requests (the embedded index is rebuilt, so that no old segment keeps a copy), SQLite overwrites freed
  space (`PRAGMA secure_delete`, set before the changes) and empties its write-ahead log (a TRUNCATE
  checkpoint), and PostgreSQL VACUUMs the tables concerned.

The legal record stays: dates, events and the agency's answers remain, under the pseudonym.
"""

from __future__ import annotations

import json
import re
from email import policy
from email.parser import BytesParser

from sqlalchemy import JSON, String, Text, or_, select, update

from tracker import audit
from tracker.extensions import db
from tracker.models import AuditEntry, Message, Resident
from tracker.models.base import utcnow
from tracker.operations.errors import Forbidden

FINISH_TASK = "foiltrack.public.finish_forgetting"
REDACTION = "redacted at the resident's request"


def personal_values(resident: Resident) -> list[str]:
    """The resident's name, email, postal address and each of its lines, longest first."""
    values = {resident.name, resident.email, resident.postal_address}
    values.update(line.strip() for line in (resident.postal_address or "").splitlines())
    return sorted((v for v in values if v and len(v) >= 3), key=len, reverse=True)


def scrubber(values: list[str], pseudonym: str):
    """A function that replaces every value (any case, any run of spaces inside it) with the pseudonym."""
    if not values:
        return lambda text: text
    alternatives = "|".join(r"\s+".join(map(re.escape, v.split())) for v in values)
    # Whole words only: forgetting "Ana" must not rewrite "Analysis".
    pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
    return lambda text: pattern.sub(pseudonym, text) if isinstance(text, str) else text


def _scrub_json(value, scrub):
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [_scrub_json(v, scrub) for v in value]
    if isinstance(value, dict):
        return {scrub(k): _scrub_json(v, scrub) for k, v in value.items()}
    return value


def _needles(values: list[str]) -> list[str]:
    """What a column's text holds when it holds a value: the value, or its JSON-escaped form."""
    found = set()
    for value in values:
        found.add(value)
        found.add(json.dumps(value)[1:-1])
    return sorted(found)


# Tables whose rows are other people's (staff, agencies, campaigns) or handled on their own (residents).
NOT_SCANNED = ("users", "residents", "agencies", "campaigns", "api_tokens", "sign_in_failures")


def _scope(table, resident: Resident, request_ids: list[int]):
    """The rows of `table` that can be about this resident: their requests' rows, their emails, their audit
    entries; None for a table with no such link (its rows are matched by the values alone)."""
    from tracker.models import Document

    columns = table.columns
    if table.name == "requests":
        return columns["id"].in_(request_ids)
    if table.name == "resident_emails":
        return columns["resident_id"] == resident.id
    if table.name == "pages":
        return columns["document_id"].in_(select(Document.id).where(Document.request_id.in_(request_ids)))
    if table.name == "audit_log":
        return or_(columns["request_id"].in_(request_ids),
                   (columns["subject_type"] == Resident.__tablename__) & (columns["subject_id"] == resident.id))
    if "request_id" in columns:
        return columns["request_id"].in_(request_ids)
    return None


def scrub_tables(resident: Resident, values: list[str], pseudonym: str, *, dry_run: bool = False
                 ) -> dict[str, int]:
    """Rewrite every text and JSON column holding one of the values, in every row that can be about the
    resident; returns the rows changed per table (with `dry_run`, the rows that would be, changing none)."""
    scrub = scrubber(values, pseudonym)
    request_ids = [r.id for r in resident.requests] or [-1]
    changed: dict[str, int] = {}
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
        primary = list(table.primary_key.columns)
        if not columns or not primary or table.name in NOT_SCANNED:
            continue
        holds = or_(*(c.cast(Text).ilike(f"%{_escaped(n)}%", escape="\\") for c in columns for n in _needles(values)))
        scope = _scope(table, resident, request_ids)
        query = select(*primary, *columns).where(holds if scope is None else scope & holds)
        for row in db.session.execute(query).mappings():
            new = {}
            for column in columns:
                old = row[column.name]
                value = _scrub_json(old, scrub) if isinstance(column.type, JSON) else scrub(old)
                if value != old:
                    new[column.name] = value
            if new and not dry_run:
                db.session.execute(update(table).where(*(k == row[k.name] for k in primary)).values(**new)
                                   .execution_options(synchronize_session=False))
            if new:
                changed[table.name] = changed.get(table.name, 0) + 1
    return changed


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def rewrite_email(raw: bytes, scrub) -> bytes | None:
    """The message with every header and text part scrubbed, or None when nothing in it changes."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    changed = False
    for name in set(message.keys()):
        values = [str(v) for v in message.get_all(name, [])]
        scrubbed = [scrub(v) for v in values]
        if scrubbed != values:
            del message[name]
            for value in scrubbed:
                message[name] = value
            changed = True
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        text = part.get_content()
        new = scrub(text)
        if new != text:
            part.set_content(new, subtype=part.get_content_subtype(), charset="utf-8",
                             disposition=part.get_content_disposition(), filename=part.get_filename())
            changed = True
    if not changed:
        return None
    return message.as_bytes(policy=policy.SMTP)


def _naming(resident: Resident, scrub, store):
    """(message, rewritten bytes) for each stored email of the resident's requests that names them."""
    ids = [r.id for r in resident.requests]
    if not ids:
        return
    for message in db.session.scalars(select(Message).where(Message.request_id.in_(ids)).order_by(Message.id)):
        if not message.raw_sha256 or not store.exists(message.raw_sha256):
            continue
        new = rewrite_email(store.get(message.raw_sha256), scrub)
        if new is not None:
            yield message, new


def forget_preview(resident: Resident, store) -> dict:
    """What forgetting the resident would change, changing nothing: the emails whose original bytes would be
    rewritten (evidence), and the rows per table."""
    values = personal_values(resident)
    scrub = scrubber(values, resident.pseudonym)
    return {"emails": [message for message, _new in _naming(resident, scrub, store)],
            "rows": scrub_tables(resident, values, resident.pseudonym, dry_run=True)}


def rewrite_blobs(resident: Resident, scrub, store) -> list[str]:
    """Rewrite the raw bytes of the resident's requests' messages that name them; returns the old hashes."""
    old = []
    for message, new in list(_naming(resident, scrub, store)):
        old.append(message.raw_sha256)
        message.raw_sha256, message.size = store.put(new), len(new)
        message.redacted_at, message.redaction = utcnow(), REDACTION
    return old


def forget(resident: Resident, actor=None, *, store=None) -> Resident:
    """Remove the resident's name, email and address everywhere; the pseudonym and the legal record stay."""
    from flask import current_app

    from ingest.blobs import BlobStore
    from tracker.dispatch import after_commit

    if actor is not None and getattr(actor, "role", None) not in ("admin", "lawyer"):
        raise Forbidden("only lawyers and admins may forget a resident")
    if resident.forgotten_at is not None:
        return resident
    if db.engine.dialect.name == "sqlite":
        # Freed space is overwritten with zeros from here on, so no old row version stays in the file.
        db.session.execute(db.text("PRAGMA secure_delete = ON"))
    values = personal_values(resident)
    scrub = scrubber(values, resident.pseudonym)
    old_blobs = rewrite_blobs(resident, scrub, store or BlobStore(current_app.config["BLOB_DIR"]))
    db.session.flush()
    resident.name, resident.email, resident.postal_address, resident.client_address = "", "", "", ""
    resident.confirm_hash = resident.status_hash = resident.link_nonce = None
    resident.forgotten_at, resident.state = utcnow(), "forgotten"
    db.session.flush()
    changed = scrub_tables(resident, values, resident.pseudonym)
    # The trail keeps what happened under the pseudonym, but not the address the resident wrote from.
    db.session.execute(update(AuditEntry).where(AuditEntry.subject_type == Resident.__tablename__,
                                                AuditEntry.subject_id == resident.id).values(address=None))
    db.session.flush()
    audit.record(actor, "resident.forget", resident,
                 changes={"emails_redacted": len(old_blobs), "tables": sorted(changed)})
    after_commit(FINISH_TASK, resident.id, old_blobs, sorted(changed))
    return resident
