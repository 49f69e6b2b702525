"""The public side's error pages, in the visitor's language, with what to do next; like the staff error
pages they never touch the database."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import gettext
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError

from tracker.public import bp
from tracker.public.i18n import chosen_language


def _texts(code: int) -> tuple[str, str]:
    titles = {
        400: (gettext("The form or link was not what we expected"),
              gettext("Go back, reload the page and try again. A form left open for a long time expires: "
                      "what you typed may need to be entered again.")),
        404: (gettext("There is nothing here"),
              gettext("The link may be old or mistyped. Private links stop working once a newer one is sent "
                      "or the details are deleted; you can ask for a new one.")),
        405: (gettext("That action is not available here"),
              gettext("Go back and use the buttons on the page.")),
        429: (gettext("Too many attempts"), gettext("Wait a minute before trying again.")),
        500: (gettext("Something went wrong on our side"),
              gettext("It has been logged. Try again in a moment.")),
    }
    return titles.get(code, titles[400] if code < 500 else titles[500])


def render_public_error(exc: HTTPException):
    """A public error page for `exc` in the visitor's language."""
    if not current_app.config["PUBLIC_PORTAL"]:  # the public side is closed: the ordinary error page
        from tracker.web.errors import render_error

        return render_error(exc)
    code = exc.code or 500
    title, advice = _texts(code)
    # A refused value names its field (the validation layer's message); werkzeug's stock wording is not shown.
    detail = exc.description if code == 400 and exc.description != BadRequest.description else ""
    return render_template("public/error.html", code=code, title=title, advice=advice, detail=detail,
                           lang=chosen_language()), code


@bp.errorhandler(400)
@bp.errorhandler(404)
@bp.errorhandler(405)
@bp.errorhandler(429)
def _public_error(exc: HTTPException):
    return render_public_error(exc)


@bp.errorhandler(500)
def _public_server_error(exc):
    from tracker.database_outage import forget_unit_of_work

    forget_unit_of_work()
    return render_public_error(exc if isinstance(exc, HTTPException) else InternalServerError())
