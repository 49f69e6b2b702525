"""Page-number links for long lists and long documents."""

from __future__ import annotations


def page_window(current: int, last: int, spread: int = 2) -> list[int | None]:
    """The first and last numbers and those within `spread` of the current one; None marks a gap."""
    wanted = sorted({1, last, *range(max(1, current - spread), min(last, current + spread) + 1)})
    out: list[int | None] = []
    for n in wanted:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out
