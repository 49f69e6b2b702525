"""Who may do what: the one place that decides, for the web pages, the API and search alike."""

from __future__ import annotations

from tracker.models.base import VISIBILITIES

# Each permission is a verb users would recognise; roles are sets of them.
PERMISSIONS = frozenset({
    "request.view",            # read requests, their timeline, deadlines and messages
    "request.view_public",     # read public requests' public metadata only
    "request.create",
    "request.edit",
    "request.delete",
    "event.create",
    "note.create",
    "note.view",
    "agency.edit",
    "campaign.edit",
    "message.view",
    "message.assign",
    "message.send",            # email the agency from the campaign address (requests, follow-ups)
    "document.view",           # documents up to the role's visibility ceiling (see VISIBLE)
    "document.set_visibility",
    "redaction.review",        # read text left under a failed redaction; keep such a page hidden or release it
    "document.upload",         # add files by hand (a portal production, a letter that came by post)
    "appeal.view",             # read appeals and their deadlines (logging appeal events is event.create)
    "appeal.manage",           # draft, send and edit appeals
    "litigation.view",         # read Article 78 records: court, index number, judge, strategy
    "litigation.manage",
    "export",
    "campaign.watch",          # campaign-wide calendar feeds and the weekly campaign digest
    "search",
    "users.manage",
    "resident.view",           # residents' names, emails and postal addresses; forget a resident
    # Findings: what the records say, placed on the map. The one write right researchers hold.
    "finding.create",          # make a finding from a page (or import a batch of them)
    "finding.verify",          # confirm someone else's finding (never one's own)
    "finding.manage",          # verify an imported batch at once; delete a finding
})

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": PERMISSIONS,
    "lawyer": PERMISSIONS - {"users.manage"},  # lawyers and admins alone hold resident.view
    "volunteer": frozenset({  # volunteers neither make nor verify findings
        "request.view", "request.view_public", "event.create", "note.create", "note.view",
        "message.view", "message.assign", "document.view", "document.upload", "search", "appeal.view",
    }),
    "researcher": frozenset({"request.view_public", "document.view", "search", "finding.create",
                             "finding.verify"}),
    # Anyone without an account, when the public portal (PUBLIC_PORTAL) is on: public pages only.
    "anonymous": frozenset({"request.view_public", "document.view", "search"}),
}

# Events that need more than event.create: filing an Article 78 petition is litigation, which is for
# lawyers and administrators (litigation.manage), whichever page or endpoint logs it.
EVENT_PERMISSIONS: dict[str, str] = {"article78_filed": "litigation.manage"}

# The most sensitive documents each role may see (public, internal, privileged).
VISIBLE: dict[str, frozenset[str]] = {
    "admin": frozenset(VISIBILITIES),
    "lawyer": frozenset(VISIBILITIES),
    "volunteer": frozenset({"public", "internal"}),
    "researcher": frozenset({"public"}),
    "anonymous": frozenset({"public"}),
}


class PublicVisitor:
    """Someone without an account reading the public portal: the "anonymous" role, public pages only.

    Only the public side and the token-less search API hand this out, and only while PUBLIC_PORTAL is on;
    everywhere else, nobody signed in holds no permission at all.
    """

    role = "anonymous"
    active = True
    is_authenticated = False
    is_anonymous = True
    id = None
    email = ""
    display_name = "the public"


PUBLIC = PublicVisitor()


def can(user, permission: str) -> bool:
    """Whether `user` (a User, or None for nobody signed in) holds `permission`."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    if isinstance(user, PublicVisitor):
        return permission in ROLE_PERMISSIONS["anonymous"]
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    return permission in ROLE_PERMISSIONS.get(user.role, frozenset())


def can_log_event(user, event_type: str) -> bool:
    """Whether the event type's own rule (EVENT_PERMISSIONS) lets `user` log it; every page and endpoint
    that logs events also requires event.create."""
    needed = EVENT_PERMISSIONS.get(event_type)
    return needed is None or can(user, needed)


def can_see_document_links(user, document) -> bool:
    """Whether `user` may learn which request and message a document came from: the team always; others
    only when the request is public (as search hits already do), so internal ids do not leak."""
    if can(user, "request.view"):
        return True
    request = document.request or (document.message.request if document.message is not None else None)
    return request is not None and request.visibility == "public"


def visible_documents(user) -> frozenset[str]:
    """The document visibilities `user` may see (and search)."""
    if isinstance(user, PublicVisitor):
        return VISIBLE["anonymous"]
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    return VISIBLE.get(user.role, frozenset())


def can_see_request(user, request) -> bool:
    """Whether `user` may open `request` at all (researchers: public requests only)."""
    if can(user, "request.view"):
        return True
    return can(user, "request.view_public") and request.visibility == "public"


def can_see_document(user, document) -> bool:
    """Whether `user` may read `document` (its visibility within the role's ceiling)."""
    return can(user, "document.view") and document.visibility in visible_documents(user)


def can_see_page(user, document, page) -> bool:
    """Whether `user` may read this page of `document`: a page held back for a failed redaction is for
    the team alone (never researchers or the public), even in a public document."""
    if not can_see_document(user, document):
        return False
    return not page.held_back or "internal" in visible_documents(user)


def can_see_all_pages(user, document, any_held_back: bool) -> bool:
    """Whether `user` may have the whole file: no page of it (``any_held_back`` says whether some page
    is) is held back from them, since the original file still holds the text under a failed redaction."""
    if not can_see_document(user, document):
        return False
    return not any_held_back or "internal" in visible_documents(user)


def can_read_under_redaction(user) -> bool:
    """Whether `user` may read the text a failed redaction left in the file (lawyers and admins)."""
    return can(user, "redaction.review")


def can_download_original(user, message) -> bool:
    """Whether `user` may have an email's original bytes: they carry every attachment, so only someone
    who may see all of its documents may."""
    visible = visible_documents(user)
    request = getattr(message, "request", None)
    if request is not None and request.resident_id is not None and not can(user, "resident.view"):
        return False  # a resident's letter names them: for lawyers and admins only
    return all(d.visibility in visible for d in message.documents)


def finding_is_public(finding) -> bool:
    """Whether the public may see a finding: verified, and citing a public page (or an outside source)."""
    if finding.verified_at is None:
        return False
    if finding.document_id is None:
        return True
    return can_see_document(PUBLIC, finding.document)


def can_see_finding(user, finding) -> bool:
    """Whether `user` may read `finding`: the public its public findings; the team, and researchers, the
    findings whose cited document they may read (verified or not)."""
    if finding_is_public(finding):
        return True
    if not (can(user, "request.view") or can(user, "finding.create")):
        return False
    return finding.document_id is None or can_see_document(user, finding.document)
