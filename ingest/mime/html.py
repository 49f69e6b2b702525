"""HTML mail made safe to show (nh3) and turned into plain text for search and matching."""

from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser

import nh3

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


_BLOCK_TAGS = {
    "p", "div", "br", "tr", "li", "ul", "ol", "table", "blockquote", "pre", "hr",
    "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "address", "section", "article", "header", "footer",
}
_SKIP_TAGS = {"script", "style", "head", "title", "noscript", "template"}


class _TextCollector(HTMLParser):
    """Collects the visible text of an HTML document, with line breaks at block boundaries."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP_TAGS:
            self.skipping += 1
        elif tag in _BLOCK_TAGS:
            self.chunks.append("\n")
        elif tag == "td":
            self.chunks.append("\t")

    def handle_endtag(self, tag):
        if tag in _SKIP_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.chunks.append(data)


def html_to_text(markup: str) -> str:
    """The readable text of an HTML body: block elements become line breaks, scripts and styles vanish."""
    collector = _TextCollector()
    try:
        collector.feed(markup)
        collector.close()
    except (AssertionError, ValueError):
        # Very old parsers asserted on odd markup; fall back to stripping every tag.
        return html_lib.unescape(nh3.clean(markup, tags=set()))
    text = "".join(collector.chunks).replace("\xa0", " ")
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
