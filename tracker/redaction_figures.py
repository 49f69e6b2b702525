"""How much of a production was blacked out, per production and per ground cited: pure figures and sentences.

A production is what an agency released at once (a ``records_released`` event, or one upload batch) with
its release date and the grounds the agency cited for what it withheld. Its figures are facts measured on
its pages: how many were released, how many were withheld in full (blacked out entirely, or a placeholder
standing in for a page), the median share of a page blacked out, and the share of all released page area
blacked out. The appeal letter may state them as facts; ``withheld_sentence`` writes that sentence, and
only when the figures show something withheld. No Flask, no SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from statistics import median

# Below this share of the released area blacked out, the figures do not support an appeal on their own.
NOTABLE_SHARE = 0.01


@dataclass(frozen=True)
class PageMeasure:
    """One released page: the share of it under redaction boxes, its area (square points; 0 if not
    known) and whether it was withheld in full."""

    redacted_share: float
    area: float = 0.0
    withheld_in_full: bool = False


@dataclass(frozen=True)
class Production:
    """Pages released together, on ``released_on``, under the ``grounds`` the agency cited."""

    released_on: date | None
    pages: Sequence[PageMeasure]
    grounds: tuple[str, ...] = ()
    label: str = ""


@dataclass(frozen=True)
class Figures:
    """The measured figures of a set of released pages (shares from 0 to 1; None when there are no pages)."""

    pages_released: int
    pages_withheld_in_full: int
    median_redacted_share: float | None
    blacked_out_share: float | None

    def to_dict(self) -> dict:
        """Plain dict (JSON-safe)."""
        return asdict(self)


@dataclass(frozen=True)
class ProductionFigures:
    """One production's figures, with its date, label and grounds."""

    released_on: date | None
    label: str
    grounds: tuple[str, ...]
    figures: Figures

    def to_dict(self) -> dict:
        """Plain dict (JSON-safe; the date in ISO form)."""
        return {"released_on": self.released_on.isoformat() if self.released_on else None, "label": self.label,
                "grounds": list(self.grounds), **self.figures.to_dict()}


@dataclass(frozen=True)
class RedactionReport:
    """Figures per production, per ground cited and over everything released."""

    productions: list[ProductionFigures] = field(default_factory=list)
    grounds: dict[str, Figures] = field(default_factory=dict)
    total: Figures = field(default_factory=lambda: page_figures(()))

    def to_dict(self) -> dict:
        """Plain dict (JSON-safe)."""
        return {"productions": [p.to_dict() for p in self.productions],
                "grounds": {g: f.to_dict() for g, f in self.grounds.items()}, "total": self.total.to_dict()}


def page_figures(pages: Iterable[PageMeasure]) -> Figures:
    """The figures of these pages; the blacked-out share weighs each page by its area (equally when
    no page's area is known)."""
    pages = list(pages)
    if not pages:
        return Figures(0, 0, None, None)
    shares = [min(1.0, max(0.0, p.redacted_share)) for p in pages]
    weights = [max(0.0, p.area) for p in pages]
    if not sum(weights):
        weights = [1.0] * len(pages)
    blacked = sum(s * w for s, w in zip(shares, weights, strict=True)) / sum(weights)
    return Figures(
        pages_released=len(pages),
        pages_withheld_in_full=sum(1 for p in pages if p.withheld_in_full),
        median_redacted_share=round(float(median(shares)), 4),
        blacked_out_share=round(blacked, 4),
    )


def redaction_report(productions: Iterable[Production]) -> RedactionReport:
    """Figures per production (in release order), per ground cited (over the productions citing it) and
    in total. A page counts once in the total and once under each ground its production cited."""
    productions = sorted(productions, key=lambda p: (p.released_on or date.max, p.label))
    by_ground: dict[str, list[PageMeasure]] = {}
    everything: list[PageMeasure] = []
    out = []
    for production in productions:
        pages = list(production.pages)
        everything += pages
        for ground in dict.fromkeys(production.grounds):
            by_ground.setdefault(ground, []).extend(pages)
        out.append(ProductionFigures(production.released_on, production.label, tuple(production.grounds),
                                     page_figures(pages)))
    return RedactionReport(out, {g: page_figures(p) for g, p in sorted(by_ground.items())},
                           page_figures(everything))


def long_date(day: date) -> str:
    """A date as the appeal letter writes it: March 3, 2027."""
    return f"{day:%B} {day.day}, {day.year}"


def _pages(n: int) -> str:
    return f"{n:,} page" if n == 1 else f"{n:,} pages"


def withheld_sentence(figures: Figures, released_on: date | None = None) -> str | None:
    """The fact an appeal can state about a production, or None when its figures show nothing withheld.

    "Of the 1,240 pages released on March 3, 2027, 312 were withheld in full, and 41% of the released
    page area was blacked out."
    """
    if not figures.pages_released:
        return None
    withheld = figures.pages_withheld_in_full
    blacked = figures.blacked_out_share or 0.0
    if not withheld and blacked < NOTABLE_SHARE:
        return None
    when = f" released on {long_date(released_on)}" if released_on else " released"
    opening = f"Of the {_pages(figures.pages_released)}{when}"
    parts = []
    if withheld:
        parts.append(f"{withheld:,} {'was' if withheld == 1 else 'were'} withheld in full")
    if blacked >= NOTABLE_SHARE:
        parts.append(f"{_percent(blacked)} of the released page area was blacked out")
    if len(parts) == 2:
        return f"{opening}, {parts[0]}, and {parts[1]}."
    if withheld:
        return f"{opening}, {parts[0]}."
    sentence = f"{_percent(blacked)} of the page area of the {_pages(figures.pages_released)}{when} was blacked out."
    return sentence[0].upper() + sentence[1:]


def _percent(share: float) -> str:
    """A share as a whole percentage, never rounding a share above zero down to 0% or below 1 up to 100%."""
    value = round(share * 100)
    if value == 0 and share > 0:
        return "less than 1%"
    if value == 100 and share < 1:
        return "more than 99%"
    return f"{value}%"
