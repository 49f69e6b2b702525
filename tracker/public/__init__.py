"""The public side of a campaign: its map, neighborhood pages, the residents' request generator,
residents' private status pages and public search; open to anyone when PUBLIC_PORTAL is on.

Visitors here are `permissions.PUBLIC` (the "anonymous" role): public requests and public documents only,
never residents' names or addresses, internal notes, or internal and privileged documents.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app

bp = Blueprint("public", __name__, url_prefix="/public")


@bp.before_request
def _portal_must_be_open():
    if not current_app.config["PUBLIC_PORTAL"]:
        abort(404)


def init_app(app: Flask) -> None:
    """Register the public pages, their languages, and the residents' command."""
    from tracker.public import (  # noqa: F401 - registers routes
        demo_mail,
        drawing,
        errors,
        findings,
        forget_review,
        i18n,
        residents,
        scorecards,
        views,
    )

    i18n.init_app(app)
    findings.init_app(app)
    app.register_blueprint(bp)
    demo_mail.init_app(app)
    forget_review.init_app(app)
    app.add_template_global(neighborhood_name, "nta_name")
    app.add_template_global(drawing.map_svg, "map_svg")
    app.add_template_global(drawing.place_items, "place_items")


def neighborhood_name(code: str) -> str:
    """'Greenpoint, Brooklyn' for 'BK0101' (empty for an unknown code), for the staff pages."""
    from tracker.geo import find_neighborhood

    place = find_neighborhood(code)
    return f"{place.name}, {place.borough}" if place else ""
