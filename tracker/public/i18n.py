"""English and Spanish on the public pages (Flask-Babel): the browser's language, or the one chosen.

Staff pages and letters to agencies stay in English; only the public blueprint and residents' emails
are translated. The catalogs are in tracker/public/translations (`pybabel compile -d` that folder after
editing a .po file).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, has_request_context, request, session
from flask_babel import Babel, refresh

LANGUAGES = {"en": "English", "es": "Español"}
SESSION_KEY = "public_language"
babel = Babel()


def chosen_language() -> str:
    """The language of this public page: ?lang=, else the one chosen before, else the browser's."""
    wanted = request.args.get("lang", "")
    if wanted in LANGUAGES:
        session[SESSION_KEY] = wanted
        return wanted
    if session.get(SESSION_KEY) in LANGUAGES:
        return session[SESSION_KEY]
    return request.accept_languages.best_match(tuple(LANGUAGES), default="en")


def _select_locale() -> str:
    if has_request_context() and (request.blueprint or "") == "public":
        return chosen_language()
    return "en"


def init_app(app: Flask) -> None:
    """Bind Flask-Babel to the app with the public side's catalogs."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(Path(__file__).parent / "translations"))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    babel.init_app(app, locale_selector=_select_locale)
    # Flask-Babel caches the locale on `g`; an app context that outlives one request (tests, scripts)
    # must not hand one visitor's language to the next request.
    app.before_request(refresh)
