"""The mail worker's unit of work: fetch, keep raw, deliver and commit, flag on the server; then extract.

Order per message: raw bytes into the blob store first; parse, match and deliver in one
database transaction that also advances the mailbox cursor; commit; only then flag the message on the
server. A crash anywhere loses nothing and, on restart, delivers nothing twice: the cursor and the
unique content hash make the redelivery a no-op.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from ingest.imap import TRANSIENT_ERRORS, ImapSettings, Mailbox, MailboxError
from tracker import fencing
from tracker.dispatch import rollback, unit_of_work
from tracker.extensions import db
from tracker.models import Document, MailboxCursor
from tracker.operations import documents as docs
from tracker.operations.mail import deliver_raw, reject

log = logging.getLogger(__name__)


@dataclass
class Summary:
    """What one pass over the mailbox did."""

    fetched: int = 0
    delivered: int = 0
    unmatched: int = 0
    rejected: int = 0
    duplicates: int = 0
    documents: list[int] = field(default_factory=list)
    messages: list[int] = field(default_factory=list)
    extracted: int = 0
    extraction_failed: int = 0
    indexed: int = 0

    def count(self, status: str) -> None:
        """Add one message outcome."""
        setattr(self, status, getattr(self, status) + 1)

    def line(self) -> str:
        """One line for people and logs."""
        return (
            f"fetched {self.fetched}: delivered {self.delivered}, unmatched {self.unmatched}, "
            f"rejected {self.rejected}, already seen {self.duplicates}; documents extracted "
            f"{self.extracted} ({self.extraction_failed} failed), indexed {self.indexed}"
        )


def _cursor(account: str, uidvalidity: int) -> MailboxCursor:
    try:
        with unit_of_work(write=True):
            cursor = db.session.scalar(select(MailboxCursor).where(MailboxCursor.account == account))
            if cursor is None:
                db.session.add(MailboxCursor(account=account[:400], uidvalidity=uidvalidity, last_uid=0))
            elif cursor.uidvalidity != uidvalidity:
                # The server renumbered the mailbox: read it all again; idempotent delivery skips what we have.
                log.warning("UIDVALIDITY of %s changed (%s -> %s); rereading the mailbox", account,
                            cursor.uidvalidity, uidvalidity)
                cursor.uidvalidity, cursor.last_uid = uidvalidity, 0
    except IntegrityError:  # another worker created it first
        pass
    return db.session.scalar(select(MailboxCursor).where(MailboxCursor.account == account))


class DeliveryPostponed(OSError):
    """A message could not be stored for a reason that passes (disk full, read-only folder): try later.

    The message stays unflagged on the server and the cursor stays below it, so the next pass (after the
    worker's back-off, or the poll task's retry) takes it again. It is never listed as rejected.
    """


def deliver_one(
    mailbox: Mailbox, cursor_id: int, uid: int, raw: bytes, *, inline: bool
) -> tuple[str, int | None, list[int]]:
    """Keep, deliver and commit one fetched message, then flag it; (outcome, new message id, document ids).

    Raises DeliveryPostponed when the blob store cannot be written: nothing is committed or flagged.
    """
    label = mailbox.settings.mailbox
    try:
        sha = docs.blob_store().put(raw)  # first: whatever happens next, the original is kept
        with unit_of_work(write=True):
            fencing.check("mail")  # a mail worker whose lease was taken over moves no cursor
            message, created = deliver_raw(raw, sha, mailbox=label, uid=uid, queue_work=not inline)
            outcome = message.status if created else "duplicates"
            message_id = message.id if created and message.status != "rejected" else None
            document_ids = [d.id for d in message.documents] if created else []
            _advance(cursor_id, uid)
    except IntegrityError:
        # A concurrent worker delivered the same bytes or Message-ID between our check and our commit.
        outcome, message_id, document_ids = "duplicates", None, []
        with unit_of_work(write=True):
            _advance(cursor_id, uid)
    except (OperationalError, fencing.StaleEpoch):
        raise  # the database is unreachable, or this worker's lease was taken over: nothing was flagged
    except OSError as exc:
        # The blob store (or another file) refused a write: a condition that passes, not a bad email.
        log.warning("UID %s of %s not stored (%s); left on the server to try again", uid, label, exc)
        raise DeliveryPostponed(f"message UID {uid} could not be stored: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - one poisonous message must not stop the mailbox; it is kept
        log.exception("delivery of UID %s (%s) failed; keeping it as rejected", uid, sha)
        with unit_of_work(write=True):
            reject(sha, len(raw), f"delivery failed: {type(exc).__name__}: {exc}", mailbox=label, uid=uid)
            _advance(cursor_id, uid)
        outcome, message_id, document_ids = "rejected", None, []
    mailbox.mark_done(uid)
    return outcome, message_id, document_ids


def _advance(cursor_id: int, uid: int) -> None:
    cursor = db.session.get(MailboxCursor, cursor_id)
    if uid > cursor.last_uid:
        cursor.last_uid = uid


def fetch_and_deliver(mailbox: Mailbox, *, inline: bool, stop: threading.Event | None = None) -> Summary:
    """Deliver every message above the cursor (extraction queued, or left for the caller when inline)."""
    summary = Summary()
    cursor = _cursor(mailbox.settings.account, mailbox.uidvalidity)
    cursor_id, last_uid = cursor.id, cursor.last_uid
    rollback()  # end the read transaction before talking to the server
    # Delivered (the cursor is past them) but not flagged: the last run died between commit and flag.
    mailbox.flag_leftovers(last_uid)
    for uid, raw in mailbox.fetch(mailbox.uids_after(last_uid)):
        if stop is not None and stop.is_set():
            break
        summary.fetched += 1
        outcome, message_id, document_ids = deliver_one(mailbox, cursor_id, uid, raw, inline=inline)
        summary.count(outcome)
        summary.documents.extend(document_ids)
        if message_id is not None:
            summary.messages.append(message_id)
    return summary


def extract_document(document_id: int, *, reindex: bool = True, force: bool = False) -> str | None:
    """Extract one document's text and commit it; returns its text_status (None if it is gone)."""
    document = db.session.get(Document, document_id)
    if document is None:
        return None
    if document.text_status != "pending" and not force:
        return document.text_status  # done already: a redelivered task is a no-op
    sha, media_type = document.sha256, document.media_type
    budget = docs.archive_budget(document) if media_type == "application/zip" else None
    rollback()  # extraction can take minutes: hold no transaction open meanwhile
    result = docs.extract_text(sha, media_type, budget=budget)
    with unit_of_work(write=True):
        document = db.session.get(Document, document_id)
        if document is None:
            return None
        docs.store_extraction(document, result, reindex=reindex)
        status = document.text_status
    return status


def extract_pending(summary: Summary) -> list[int]:
    """Extract every document still pending (this run's, any a crash left behind, and the members an
    archive's extraction adds), committing each."""
    done: list[int] = []
    while True:
        pending = select(Document.id).where(Document.text_status == "pending", Document.id.not_in(done))
        ids = list(db.session.scalars(pending.order_by(Document.id)))
        rollback()
        if not ids:
            return done
        for document_id in ids:
            status = extract_document(document_id, reindex=False)
            summary.extracted += 1
            if status == "failed":
                summary.extraction_failed += 1
        done += ids


def index_now(document_ids: list[int], message_ids: list[int] = ()) -> int:
    """Have documents (and message bodies) indexed; return how many documents were handed over.

    With PostgreSQL search they are written now (the index is a table, any process may write it). The
    Whoosh index has one writer, the index worker: a command queues its writes like any other process
    (with TASKS_EAGER they run inline, so they are searchable when this returns).
    """
    if not document_ids and not message_ids:
        return 0
    from tracker.searching import engines, service

    if engines.uses_postgres():
        if message_ids:
            service.index_messages_now(list(message_ids))
        if document_ids:
            service.index_documents_now(document_ids)
        return len(document_ids)
    for message_id in message_ids:
        service.queue_message(message_id)
    for document_id in document_ids:
        service.queue_document(document_id)
    return len(document_ids)


def ingest_once(settings: ImapSettings | None = None, *,
                index: Callable[[list[int], list[int]], int] = index_now) -> Summary:
    """`foiltrack ingest --once`: deliver what is in the mailbox now, extract and index it all, return.

    `index(document_ids, message_ids)` makes them searchable and returns how many documents it did.
    """
    settings = settings or ImapSettings.from_config(current_app.config)
    with Mailbox(settings) as mailbox:
        summary = fetch_and_deliver(mailbox, inline=True)
    extracted = extract_pending(summary)
    summary.indexed = index(sorted(set(extracted) | set(summary.documents)), summary.messages)
    if summary.indexed:
        # Newly searchable pages may match someone's saved search: tell them now, not at the next schedule.
        from tracker.operations.saved_searches import alert_saved_searches

        alert_saved_searches()
    return summary


# Passes run back to back while each finds mail, before the worker goes back to IDLE (bounded, so that a
# message left on the server for a retry cannot keep the worker spinning).
MAX_RELOOKS = 3


def run_worker(
    settings: ImapSettings | None = None, *, stop: threading.Event | None = None, max_backoff: float = 300.0
) -> None:
    """The long-running mail worker: deliver, IDLE (or poll), reconnect with back-off; stops on SIGTERM."""
    settings = settings or ImapSettings.from_config(current_app.config)
    poll = max(1, int(current_app.config["IMAP_POLL_SECONDS"]))
    stop = stop or _stop_on_signals()
    backoff = 1.0
    relooks = 0
    while not stop.is_set():
        mailbox = Mailbox(settings)
        try:
            mailbox.connect()
            log.info("mail worker reading %s", settings.account)
            while not stop.is_set():
                summary = fetch_and_deliver(mailbox, inline=False, stop=stop)
                if summary.fetched:
                    log.info("mail worker: %s", summary.line())
                backoff = 1.0
                if summary.fetched and relooks < MAX_RELOOKS:
                    # Mail that arrived during this pass raises no IDLE notice: look again before waiting.
                    relooks += 1
                    continue
                relooks = 0
                mailbox.wait_for_mail(poll, stop)
        except (*TRANSIENT_ERRORS, MailboxError, OperationalError) as exc:
            rollback()
            log.warning("mail worker: %s; reconnecting in %.0f s", exc, backoff)
            stop.wait(backoff)
            backoff = min(max_backoff, backoff * 2)
        finally:
            mailbox.close()
    log.info("mail worker stopped")


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handle(signum, _frame):
        log.info("mail worker: signal %s, finishing the current message and stopping", signum)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)
    return stop
