"""Error pages that say what happened and what to do next."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

ADVICE = {
    400: "The form or link was not what we expected. Go back, check what you typed and try again.",
    403: "Your role does not allow this. Ask a lawyer or an administrator of your campaign if you need it.",
    404: "There is nothing here. The link may be old, or the record may not be visible to you.",
    405: "That action is not available here. Go back and use the buttons on the page.",
    429: "Too many attempts. Wait a minute before trying again.",
    500: "Something went wrong on our side. It has been logged; nothing you entered was saved twice. "
         "Try again in a moment.",
}
CSRF_ADVICE = ("The form had expired or was not sent from this site. Go back, reload the page "
               "(what you typed may need to be entered again) and send it once more.")


def render_error(exc: HTTPException):
    """An error page for `exc` with advice on what to do next."""
    code = exc.code or 500
    return render_template(
        "errors/error.html",
        code=code,
        title=exc.name,
        description=exc.description if code != 500 else "",
        advice=ADVICE.get(code, ADVICE[400]),
    ), code


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
        app.logger.error("server error: %r", getattr(exc, "original_exception", exc))
        return render_error(exc if isinstance(exc, HTTPException) else InternalServerError())
