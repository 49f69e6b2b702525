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


def bar_chart(rows: list[tuple[str, float | None]], title: str, chart_id: str, unit: str = "",
              marks: tuple[tuple[float, str], ...] = (), share: bool = False) -> Markup:
    """Horizontal bars, one per (label, value), drawn on the server; a value of None is written "not
    measured". Shares (0-1) are drawn on a 0-100 % scale. The page shows the same figures in a table."""
    if not rows:
        return Markup("")
    values = [v for _, v in rows if v is not None]
    longest = 1.0 if share else max(values + [m for m, _ in marks] + [1])
    left, bar, gap = 230, 16, 10
    scale = (WIDTH - left - 90) / longest
    height = TOP + len(rows) * (bar + gap) + 20
    title_id = f"{chart_id}-title"
    parts = [f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {height}" role="img" '
             f'aria-labelledby="{escape(title_id)}" xmlns="http://www.w3.org/2000/svg">'
             f'<title id="{escape(title_id)}">{escape(title)}</title>']
    for value, label in marks:
        x = left + value * scale
        parts.append(f'<line x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{height - 16}" class="mark"/>'
                     f'<text x="{x + 3:.1f}" y="{TOP - 10}" class="mark-label">{escape(label)}</text>')
    for i, (label, value) in enumerate(rows):
        y = TOP + i * (bar + gap)
        parts.append(f'<text x="{left - 6}" y="{y + bar - 4}" text-anchor="end" class="row-label">'
                     f'{escape(label)}</text>')
        if value is None:
            parts.append(f'<text x="{left + 4}" y="{y + bar - 4}" class="value">not measured</text>')
            continue
        shown = f"{value * 100:.0f} %" if share else f"{value:g}{(' ' + unit) if unit else ''}"
        w = max(value * scale, 1.5)
        parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar}" class="answer">'
                     f'<title>{escape(label)}: {escape(shown)}</title></rect>'
                     f'<text x="{left + w + 4:.1f}" y="{y + bar - 4}" class="value">{escape(shown)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def scorecard_charts(card) -> dict[str, Markup]:
    """The scorecard's three charts: answer times against the statute, shares of late answers and
    constructive denials, and the grounds cited."""
    from tracker.grounds import describe

    times = bar_chart([("to acknowledge (median)", card.median_days_to_acknowledge),
                       ("to determine (median)", card.median_days_to_determine)],
                      "Median business days to acknowledge and to determine", "chart-times", "business days",
                      marks=MARKS)
    shares = bar_chart([("acknowledged late", card.acknowledged_late_share),
                        ("constructively denied", card.constructive_denial_share),
                        ("median redacted share of a page", card.median_redacted_share)],
                       "Shares of requests answered late and constructively denied", "chart-shares", share=True)
    grounds = bar_chart([((describe(key) or (key, ""))[0], count) for key, count in card.grounds],
                        "Grounds the agency cited, with how many determinations cited each", "chart-grounds",
                        "times")
    return {"times": times, "shares": shares, "grounds": grounds}
