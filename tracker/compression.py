"""Compressed responses: Flask-Compress (brotli or gzip, whichever the client accepts) for HTML, CSS,
JavaScript, JSON and SVG of MIN_BYTES or more, always with `Vary: Accept-Encoding`.

Compression and secrets (BREACH): a compressed response's length can reveal a secret in its body when an
attacker can also put chosen text into that body and watch many responses go by. So:
- pages are compressed although they carry Flask-WTF's CSRF token. That token is the session's random
  value signed with a timestamp (itsdangerous), so the part after the value changes every second, and
  the value alone is worth nothing: a forged token needs a signature only the server's secret key makes.
- the few responses that show a long-lived credential are never compressed (SECRET_ENDPOINTS, and every
  route whose URL holds a secret): the account page (calendar feed address, a new API token), the people
  page (an invitation link or temporary password), the invitation page, the residents' private status
  pages, `GET /api/v1/me` and the API's tokens.
Other types (CSV exports, zip bundles, PDFs, images) and streamed responses are left as they are.
"""

from __future__ import annotations

from flask import Flask, Response, request

from tracker.extensions import compress

MIN_BYTES = 500
MIMETYPES = [
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/geo+json",
    "image/svg+xml",
]
# Endpoints (or whole blueprints, ending in '.') whose responses show a credential.
SECRET_ENDPOINTS = ("account.", "people.", "auth.invitation", "public.status", "api.me", "api.list_tokens",
                    "api.create_token")
# Route arguments that are credentials (as tracker.redaction reads them, plus the residents' link).
SECRET_ARGUMENTS = ("secret", "token", "link")


def carries_secret(endpoint: str | None, view_args: dict | None) -> bool:
    """Whether a response to this endpoint shows a credential, so it must go uncompressed."""
    if any(name in (view_args or {}) for name in SECRET_ARGUMENTS):
        return True
    return bool(endpoint) and any(
        endpoint.startswith(rule) if rule.endswith(".") else endpoint == rule for rule in SECRET_ENDPOINTS)


def init_app(app: Flask) -> None:
    """Compress what can be compressed safely, after every other response hook has run."""
    app.config.update(
        COMPRESS_REGISTER=False,  # registered below, behind the secret check
        COMPRESS_MIMETYPES=MIMETYPES,
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_MIN_SIZE=MIN_BYTES,
        # Streamed responses (exports, bundles, files) stay as they are; our own static files are read
        # whole first (below), as streaming compression would leave their file open.
        COMPRESS_STREAMS=False,
    )
    compress.init_app(app)

    # Registered first, so Flask runs it last: it compresses the body every other hook has finished.
    app.after_request_funcs.setdefault(None, []).insert(0, _compress)


def _compress(response: Response) -> Response:
    if carries_secret(request.endpoint, request.view_args):
        vary = response.headers.get("Vary", "")
        if "accept-encoding" not in vary.lower():
            response.headers["Vary"] = f"{vary}, Accept-Encoding" if vary else "Accept-Encoding"
        return response
    if request.endpoint == "static" and response.is_streamed and response.mimetype in MIMETYPES:
        response.direct_passthrough = False
        response.make_sequence()  # a few KB of CSS or JavaScript; the file is closed with the response
    return compress.after_request(response)
