"""The scorecard's charts, drawn as inline SVG on the server (no script, no CDN), each shown beside a table
of the same figures. Used by the staff agency page and the public scorecard alike."""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, TOP = 640, 24
# The statutory marks: 5 business days to acknowledge, 25 to determine (5 + 20; POL §89(3)(a)).
MARKS = ((5, "5 days: answer due"), (25, "25 days: decision due"))


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
