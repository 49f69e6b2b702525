"""English and Spanish on the public pages (Flask-Babel): the browser's language, or the one chosen.

Staff pages and letters to agencies stay in English; only the public blueprint and residents' emails
are translated. The catalogs are in tracker/public/translations (`pybabel compile -d` that folder after
editing a .po file).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, has_request_context, request
from flask_babel import Babel, refresh

LANGUAGES = {"en": "English", "es": "Español"}
# The visitor's choice is remembered in a cookie of its own for a year (it holds nothing but the code).
COOKIE = "public_language"
COOKIE_DAYS = 365
babel = Babel()


def chosen_language() -> str:
    """The language of this public page: ?lang=, else the one chosen before (cookie), else the browser's."""
    wanted = request.args.get("lang", "")
    if wanted in LANGUAGES:
        return wanted
    if request.cookies.get(COOKIE) in LANGUAGES:
        return request.cookies[COOKIE]
    return request.accept_languages.best_match(tuple(LANGUAGES), default="en")


def language_url(code: str) -> str:
    """This page, with its query (neighborhood, search, page number), in the language `code`."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"] + [("lang", code)]
    return f"{request.path}?{urlencode(args)}"


def remember_choice(response):
    """Keep a language chosen with ?lang= in its cookie (after every public page)."""
    wanted = request.args.get("lang", "")
    if wanted in LANGUAGES and request.cookies.get(COOKIE) != wanted:
        response.set_cookie(COOKIE, wanted, max_age=COOKIE_DAYS * 86400, samesite="Lax", httponly=True,
                            secure=request.is_secure)
    return response


def _select_locale() -> str:
    # A /public/ address that matches no page (its 404) is the public side's too.
    if has_request_context() and ((request.blueprint or "") == "public" or request.path.startswith("/public/")):
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
