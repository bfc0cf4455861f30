"""Charts as SVG drawn on the server, for PDFs: WeasyPrint runs no JavaScript, so the
plotly figures the pages draw in the browser are drawn here from the same figure dict
(`{"data": [{"type": "bar", "name", "x", "y"}, …], "layout": {…}}`), in the same colours.
"""

from __future__ import annotations

from html import escape
from typing import Any

from cruscotto.web.i18n import Formatter

# plotly's default colour sequence, so a PDF looks like the page.
COLOURS = ("#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a", "#19d3f3")
WIDTH, HEIGHT = 680, 260
LEFT, RIGHT, TOP, BOTTOM = 70, 10, 24, 70


def bar_chart_svg(figure: dict[str, Any], fmt: Formatter) -> str:
    """Grouped bars of every trace over the shared categories; value axis from zero."""
    traces = [t for t in figure.get("data", []) if t.get("type") == "bar"]
    categories = list(dict.fromkeys(str(x) for t in traces for x in t.get("x", [])))
    values = [v for t in traces for v in t.get("y", []) if v is not None]
    if not traces or not categories or not values:
        return ""
    top = max(max(values), 0.0) or 1.0
    bottom = min(min(values), 0.0)
    span = top - bottom
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(categories)
    bar = slot * 0.8 / len(traces)

    def y_of(value: float) -> float:
        return TOP + plot_h * (top - value) / span

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="10" role="img">'
    ]
    for step in range(5):  # gridlines and value labels
        value = bottom + span * step / 4
        y = y_of(value)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e5e5"/>'
        )
        parts.append(
            f'<text x="{LEFT - 4}" y="{y + 3:.1f}" text-anchor="end" fill="#555">'
            f"{escape(fmt.number(value))}</text>"
        )
    for i, trace in enumerate(traces):
        colour = COLOURS[i % len(COLOURS)]
        points = dict(zip((str(x) for x in trace.get("x", [])), trace.get("y", []), strict=False))
        for c, category in enumerate(categories):
            value = points.get(category)
            if value is None:
                continue
            x = LEFT + slot * c + slot * 0.1 + bar * i
            y0, y1 = sorted((y_of(value), y_of(0.0)))
            parts.append(
                f'<rect x="{x:.1f}" y="{y0:.1f}" width="{bar:.1f}" height="{max(y1 - y0, 0.5):.1f}"'
                f' fill="{colour}"><title>{escape(str(category))}: '
                f"{escape(fmt.number(value))}</title></rect>"
            )
    for c, category in enumerate(categories):
        x = LEFT + slot * (c + 0.5)
        parts.append(
            f'<text x="{x:.1f}" y="{TOP + plot_h + 12}" text-anchor="end" fill="#333" '
            f'transform="rotate(-30 {x:.1f} {TOP + plot_h + 12})">{escape(category[:24])}</text>'
        )
    for i, trace in enumerate(traces):  # legend
        x = LEFT + i * 150
        parts.append(
            f'<rect x="{x}" y="4" width="10" height="10" fill="{COLOURS[i % len(COLOURS)]}"/>'
        )
        parts.append(f'<text x="{x + 14}" y="13">{escape(str(trace.get("name", "")))}</text>')
    parts.append("</svg>")
    return "".join(parts)
