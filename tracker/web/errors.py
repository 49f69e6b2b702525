"""Error pages that say what happened and what to do next.

An error page never touches the database: it is rendered straight from the template, without the app's
context processors (which may look up the signed-in person or their saved searches), so that while the
database restarts each request in flight still gets this page and not the server's bare one.
"""

from __future__ import annotations

from flask import Flask, current_app
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from tracker.database_outage import RETRY_AFTER_SECONDS, database_unreachable, forget_unit_of_work

ADVICE = {
    400: "The form or link was not what we expected. Go back, check what you typed and try again.",
    403: "Your role does not allow this. Ask a lawyer or an administrator of your campaign if you need it.",
    404: "There is nothing here. The link may be old, or the record may not be visible to you.",
    405: "That action is not available here. Go back and use the buttons on the page.",
    429: "Too many attempts. Wait a minute before trying again.",
    500: "Something went wrong on our side. It has been logged; nothing you entered was saved twice. "
         "Try again in a moment.",
    503: "The database did not answer, so what you sent may not have been saved: look before sending it "
         "again. Try again in a minute; if this lasts, tell whoever runs this service.",
}
CSRF_ADVICE = ("The form had expired or was not sent from this site. Go back, reload the page "
               "(what you typed may need to be entered again) and send it once more.")


def render_error(exc: HTTPException):
    """An error page for `exc` with advice on what to do next (rendered without the database)."""
    code = exc.code or 500
    template = current_app.jinja_env.get_template("errors/error.html")
    html = template.render(
        code=code,
        title=exc.name,
        description=exc.description if code not in (500, 503) else "",
        advice=ADVICE.get(code, ADVICE[400]),
    )
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if code == 503 else {}
    return html, code, headers


def init_app(app: Flask) -> None:
    """Register the HTML error handlers (the API answers its own errors as JSON)."""

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        exc.description = CSRF_ADVICE
        return render_error(exc)

    for code in (400, 403, 429):
        app.register_error_handler(code, render_error)

    @app.errorhandler(500)
    def _server_error(exc):
        forget_unit_of_work()
        original = getattr(exc, "original_exception", exc)
        if database_unreachable(original):
            app.logger.error("database unreachable: %s", original)
            return render_error(ServiceUnavailable())
        app.logger.error("server error: %r", original)
        return render_error(exc if isinstance(exc, HTTPException) else InternalServerError())
