"""The WSGI entry point for gunicorn: `gunicorn --preload tracker.wsgi:app`.

With `--preload` gunicorn imports this module once, in its master process, before it forks the workers:
so the app is built and what its first requests would otherwise load (the city's neighborhood shapes for
the map, the compiled templates, the translations) is loaded here, once, and every worker starts warm.
No database connection is left open across the fork.
"""

import logging

from flask import Flask
from sqlalchemy.orm import configure_mappers

from tracker import create_service_app

log = logging.getLogger(__name__)


def warm(application: Flask) -> None:
    """Load, before any request, what the first request of a fresh worker would spend seconds loading."""
    from flask_babel import force_locale, gettext

    from tracker.extensions import db
    from tracker.geo import neighborhoods, residential
    from tracker.public.i18n import LANGUAGES

    neighborhoods()
    residential()
    configure_mappers()
    with application.app_context():
        environment = application.jinja_env
        for name in environment.list_templates(filter_func=lambda n: n.endswith((".html", ".txt"))):
            environment.get_template(name)
        with application.test_request_context("/"):
            for language in LANGUAGES:
                with force_locale(language):
                    gettext("Records released")
        try:
            _first_pages(application)
        except Exception:  # noqa: BLE001 - a database not up yet: the workers start cold, not never
            log.warning("could not warm the first pages; the first requests will be slower", exc_info=True)
        finally:
            db.session.remove()
            db.engine.dispose()  # the workers open their own connections after the fork


def _first_pages(application: Flask) -> None:
    """Serve the pages people open first, once, so that their queries are compiled before the fork."""
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.models import Campaign

    pages = ["/login"]
    if application.config.get("PUBLIC_PORTAL"):
        slugs = db.session.scalars(select(Campaign.slug).where(Campaign.public.is_(True), Campaign.slug.is_not(None))
                                   .order_by(Campaign.id).limit(3)).all()
        db.session.rollback()
        pages += ["/public/"] + [f"/public/{slug}/" for slug in slugs]
    client = application.test_client()
    for page in pages:
        client.get(page)


app = create_service_app()
warm(app)
