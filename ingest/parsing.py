"""Public face of mail parsing: ``parse_message(raw) -> ParsedEmail`` and friends (code: ``ingest.mime``)."""

from ingest.mime.html import html_to_text, sanitize_html
from ingest.mime.model import Attachment, BounceInfo, ParsedEmail, UnparseableEmail
from ingest.mime.names import safe_filename
from ingest.mime.parse import MAX_ATTACHMENTS, expand_tnef, parse_message

__all__ = [
    "MAX_ATTACHMENTS",
    "Attachment",
    "BounceInfo",
    "ParsedEmail",
    "UnparseableEmail",
    "expand_tnef",
    "html_to_text",
    "parse_message",
    "safe_filename",
    "sanitize_html",
]
