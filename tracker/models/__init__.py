"""The database model: every table of FOIL Tracker, one module per area."""

from tracker.models.agencies import Agency, Campaign
from tracker.models.audit import AuditEntry, LimitHit
from tracker.models.documents import Document, Page
from tracker.models.findings import Finding
from tracker.models.mail import MailboxCursor, Message, SenderRoute
from tracker.models.notify import Reminder, SavedSearch
from tracker.models.public import Resident, ResidentEmail
from tracker.models.requests import Appeal, Event, Litigation, Request, TrackingNumber
from tracker.models.users import ROLES, ApiToken, User, UserSession
from tracker.models.work import DeploymentFact, LeaseEpoch, PendingWork

__all__ = [
    "ROLES",
    "Agency",
    "ApiToken",
    "Appeal",
    "AuditEntry",
    "Campaign",
    "DeploymentFact",
    "LeaseEpoch",
    "Document",
    "Event",
    "Finding",
    "LimitHit",
    "Litigation",
    "MailboxCursor",
    "Message",
    "Page",
    "PendingWork",
    "Reminder",
    "Request",
    "Resident",
    "ResidentEmail",
    "SavedSearch",
    "SenderRoute",
    "TrackingNumber",
    "User",
    "UserSession",
]
