"""The map and the neighborhood list as HTML, built from pieces escaped once per process.

A map view writes 262 shapes and about 200 list items; through Jinja that is tens of thousands of escape
calls per view. Here each neighborhood's fixed markup is made once (names escaped, paths written by
tracker.geo), and a view only joins those pieces with the link prefix and each neighborhood's state.
"""

from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup, escape

from tracker.geo import aliases_of, neighborhoods, normalize, residential


@lru_cache(maxsize=1)
def _shapes() -> list[tuple[str, bool, str, str]]:
    """(code, residential, markup before the state, markup after it) per neighborhood."""
    pieces = []
    for place in neighborhoods().values():
        title = escape(f"{place.name}, {place.borough}" if place.residential else place.name)
        if place.residential:
            pieces.append((place.code, True, f'{place.code}" data-nta="{place.code}" class="nta s-',
                           f'"><title>{title}</title><path d="{place.path}"/></a>'))
        else:
            pieces.append((place.code, False, f'<path data-nta="{place.code}" class="nta grey" d="{place.path}">'
                           f"<title>{title}</title></path>", ""))
    return pieces


def map_svg(prefix: str, states: dict[str, str], label: str, width: int, height: int) -> Markup:
    """The city map: one element per neighborhood with data-nta; residential ones link to prefix + code."""
    href = escape(prefix)
    out = [f'<svg class="citymap" viewBox="0 0 {width} {height}" role="group" aria-label="{escape(label)}" '
           'focusable="false">']
    for code, lives_here, before, after in _shapes():
        if lives_here:
            out.append(f'<a href="{href}{before}{states.get(code, "none")}{after}')
        else:
            out.append(before)
    out.append("</svg>")
    return Markup("\n".join(out))


@lru_cache(maxsize=1)
def _items() -> list[tuple[str, str, str]]:
    """(code, markup before the link target's code, markup after it) per residential neighborhood."""
    items = []
    for place in residential():
        # What the list filter matches, in tracker.geo's normalized form, with the names people use.
        search = escape(" ".join([normalize(place.name), normalize(place.borough), place.code.lower(),
                                  *aliases_of(place.code)]))
        items.append((place.code, f'<li data-name="{search}"><a href="',
                      f'{place.code}">{escape(place.name)}</a> <span class="muted">{escape(place.borough)}</span>'))
    return items


def place_items(prefix: str, states: dict[str, str] | None = None, labels: dict[str, str] | None = None
                ) -> Markup:
    """The list items of the residential neighborhoods (with their state when `states` is given)."""
    href = escape(prefix)
    out = []
    for code, before, after in _items():
        state = ""
        if states is not None and labels is not None:
            state = f' · <span class="state-text">{escape(labels[states.get(code, "none")])}</span>'
        out.append(f"{before}{href}{after}{state}</li>")
    return Markup("\n".join(out))
