"""A small bar chart of response times, drawn as inline SVG on the server (no script, no CDN)."""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, BAR, GAP, LEFT, TOP = 640, 9, 8, 120, 24
# The statutory marks drawn across the chart: 5 business days to answer, 25 to decide (5 + 20).
MARKS = ((5, "5 days: answer due"), (25, "25 days: decision due"))


def response_chart(rows: list[tuple[str, int | None, int | None]], title: str) -> Markup:
    """Bars per request: business days to first answer and to decision, with the statutory marks."""
    if not rows:
        return Markup("")
    longest = max([v for _, a, d in rows for v in (a, d) if v is not None] + [m for m, _ in MARKS])
    scale = (WIDTH - LEFT - 130) / longest
    height = TOP + len(rows) * (2 * BAR + GAP) + 20
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="chart-title" '
             f'xmlns="http://www.w3.org/2000/svg"><title id="chart-title">{escape(title)}</title>']
    for value, label in MARKS:
        x = LEFT + value * scale
        parts.append(f'<line x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{height - 16}" class="mark"/>'
                     f'<text x="{x + 3:.1f}" y="{TOP - 10}" class="mark-label">{escape(label)}</text>')
    for i, (label, answer, decision) in enumerate(rows):
        y = TOP + i * (2 * BAR + GAP)
        parts.append(f'<text x="{LEFT - 6}" y="{y + BAR + 3}" text-anchor="end" class="row-label">'
                     f'{escape(label)}</text>')
        if answer is None and decision is None:
            parts.append(f'<text x="{LEFT + 4}" y="{y + BAR + 3}" class="value">no answer yet</text>')
        for offset, value, css, what in ((0, answer, "answer", "first answer"),
                                         (BAR, decision, "decision", "decision")):
            if value is None:
                continue
            w = max(value * scale, 1.5)
            top = y + offset
            parts.append(f'<rect x="{LEFT}" y="{top}" width="{w:.1f}" height="{BAR - 1}" class="{css}">'
                         f'<title>{escape(label)}: {value} business days to {what}</title></rect>'
                         f'<text x="{LEFT + w + 3:.1f}" y="{top + BAR - 1}" class="value">{value}</text>')
    parts.append(f'<text x="{LEFT}" y="{height - 4}" class="axis">business days after receipt</text></svg>')
    return Markup("".join(parts))
