"""Security headers on every response, and cookie flags that follow the configured base URL.

The policy allows scripts only from our own files under `tracker/static/` (no inline script, no `on*=`
handlers, no `eval`); styles may be inline because an email's own formatting is shown in a sandboxed
`srcdoc` frame, which inherits this policy. Nothing may frame our pages, and no page sends a Referer, so
secret URLs (a calendar feed, an invitation) cannot leak to other sites through links.
"""

from __future__ import annotations

from flask import Flask

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

# A PDF opens in the browser's own viewer, which a page policy would block; nothing can frame it still.
FILE_POLICY = "frame-ancestors 'none'"

# A year, as browsers' preload lists ask; sent only when the configured base URL is https.
HSTS_SECONDS = 365 * 24 * 3600

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def uses_https(app: Flask) -> bool:
    """Whether the app is published over https (its configured BASE_URL)."""
    return str(app.config.get("BASE_URL", "")).lower().startswith("https://")


def init_app(app: Flask) -> None:
    """Mark cookies Secure behind https, give the remember cookie SameSite, and add the headers."""
    https = uses_https(app)
    app.config["SESSION_COOKIE_SECURE"] = https
    app.config["REMEMBER_COOKIE_SECURE"] = https
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    # Lax: a link from another site still opens the page signed in; its forms cannot post as the person.
    app.config["REMEMBER_COOKIE_SAMESITE"] = app.config.get("REMEMBER_COOKIE_SAMESITE") or "Lax"
    # Flask-WTF's https check wants a same-site Referer, which `no-referrer` tells browsers never to send;
    # the CSRF token and the SameSite cookies remain the guard.
    app.config["WTF_CSRF_SSL_STRICT"] = False
    headers = dict(HEADERS)
    if https:
        headers["Strict-Transport-Security"] = f"max-age={HSTS_SECONDS}; includeSubDomains"

    @app.after_request
    def _security_headers(response):
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        if response.mimetype == "application/pdf" and response.headers["Content-Security-Policy"] == \
                CONTENT_SECURITY_POLICY:
            response.headers["Content-Security-Policy"] = FILE_POLICY
        return response
