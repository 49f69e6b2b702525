"""HTML mail made safe to show (nh3) and turned into plain text for search and matching."""

from __future__ import annotations

import html as html_lib

import nh3

from ingest.extract.markup import html_to_text as visible_text

# Images may only point at parts of the same message (cid:); anything else is a remote fetch,
# which is how trackers learn that, when and where a message was read.
_URL_ATTRIBUTES = {"src", "srcset", "background", "poster", "lowsrc", "dynsrc"}
_ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) | {"img", "font", "center", "span", "div"}


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    """nh3 attribute filter: drop every URL-bearing attribute that is not a cid: reference."""
    if attribute in _URL_ATTRIBUTES:
        return value if value.strip().lower().startswith("cid:") else None
    return value


def sanitize_html(markup: str) -> str:
    """Safe HTML for display: no scripts, styles, forms, event handlers or remote images."""
    attributes = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
    attributes.setdefault("img", set()).update({"src", "alt", "width", "height"})
    attributes.setdefault("font", set()).update({"color", "size", "face"})
    attributes.setdefault("td", set()).update({"colspan", "rowspan", "align"})
    return nh3.clean(
        markup,
        tags=_ALLOWED_TAGS,
        clean_content_tags={"script", "style", "title", "head"},
        attributes=attributes,
        attribute_filter=_keep_attribute,
        url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow",
    )


def html_to_text(markup: str) -> str:
    """The readable text of an HTML body: block elements become line breaks, scripts and styles vanish."""
    try:
        return visible_text(markup)
    except (AssertionError, ValueError):
        # Very old parsers asserted on odd markup; fall back to stripping every tag.
        return html_lib.unescape(nh3.clean(markup, tags=set()))
