"""Charts: inline SVG sparklines for cards, and plotly figures (as plain dicts) for KPI pages.

The figures are built server-side as JSON-ready dicts and drawn in the browser by the
plotly.js bundled with the plotly package (served at /static/plotly.min.js). Values of
`percent` KPIs are fractions in the engine and are multiplied by 100 for the axes.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from cruscotto.web.i18n import Formatter

STATUS_COLOURS = {"on_target": "#1b8a4b", "at_risk": "#c98a00", "off_target": "#c62f2f"}
LINE = "#1f5fbf"
GOAL = "#7a3fb0"
BAND = "rgba(27, 138, 75, 0.12)"


def sparkline(values: Sequence[float | None], *, width: int = 96, height: int = 30) -> Markup:
    """A tiny line chart of `values` (gaps where a value is None) as an inline SVG."""
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(points) < 2:
        return Markup("")
    low = min(v for _, v in points)
    high = max(v for _, v in points)
    span = (high - low) or 1.0
    step = (width - 4) / max(len(values) - 1, 1)

    def xy(i: int, v: float) -> str:
        return f"{2 + i * step:.1f},{height - 3 - (v - low) / span * (height - 6):.1f}"

    segments, current = [], []
    for i, v in enumerate(values):
        if v is None:
            if current:
                segments.append(current)
            current = []
        else:
            current.append(xy(i, v))
    if current:
        segments.append(current)
    lines = "".join(
        f'<polyline points="{" ".join(s)}" fill="none" stroke="{LINE}" stroke-width="1.6"/>'
        for s in segments
    )
    last_i, last_v = points[-1]
    x, y = xy(last_i, last_v).split(",")
    return Markup(
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-hidden="true">{lines}'
        f'<circle cx="{x}" cy="{y}" r="2.2" fill="{LINE}"/></svg>'
    )


def _scale(value: float | None, unit: str) -> float | None:
    if value is None:
        return None
    return value * 100 if unit == "percent" else value


def value_axis(fmt: Formatter, unit: str) -> dict:
    """A value axis with the language's separators' tick format: 500.000, never "500k"."""
    whole = unit in ("count", "currency", "currency_per_day", "percent")
    return {
        "ticksuffix": "%" if unit == "percent" else "",
        "tickformat": ",.0f" if whole else ",.2~f",
        "exponentformat": "none",
        "zeroline": False,
        "automargin": True,
    }


def separators(fmt: Formatter) -> str:
    """Plotly's decimal and thousands separators, as the language writes 1.5 and 1000."""
    return fmt.number(1.5, 1)[1] + fmt.number(1000)[1]


def _layout(fmt: Formatter, unit: str, **extra) -> dict:
    return {
        "margin": {"l": 60, "r": 20, "t": 10, "b": 40},
        "height": 320,
        "separators": separators(fmt),
        "yaxis": value_axis(fmt, unit),
        "hovermode": "closest",
        "showlegend": True,
        "legend": {"orientation": "h", "y": -0.2},
        "plot_bgcolor": "#fff",
        "paper_bgcolor": "#fff",
        **extra,
    }


def trend_figure(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    unit: str,
    fmt: Formatter,
    name: str,
    target: float | None,
    benchmark: tuple[float | None, float | None] | None,
    links: Sequence[str] | None = None,
) -> dict:
    """The trend line, a dashed target line and the shaded benchmark band.

    `labels` are period labels ("2026-11"), shown in the language ("nov 2026"); a click
    on a point opens its entry of `links` (that period's records).
    """
    labels = [fmt.period(label, short=True) for label in labels]
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": name,
            "x": list(labels),
            "customdata": list(links) if links else None,
            "y": [_scale(v, unit) for v in values],
            "text": [fmt.kpi_value(v, unit) for v in values],
            "hovertemplate": "%{x}: %{text}<extra></extra>",
            "line": {"color": LINE, "width": 2.5},
            "connectgaps": False,
        }
    ]
    shapes = []
    if target is not None:
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": fmt.t("kpi.target_line") + " " + fmt.kpi_value(target, unit),
                "x": list(labels),
                "y": [_scale(target, unit)] * len(labels),
                "hoverinfo": "skip",
                "line": {"color": "#c62f2f", "dash": "dash", "width": 1.5},
            }
        )
    if benchmark is not None and (benchmark[0] is not None or benchmark[1] is not None):
        low, high = benchmark
        shapes.append(
            {
                "type": "rect",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "yref": "y",
                "y0": _scale(low if low is not None else high, unit),
                "y1": _scale(high if high is not None else low, unit),
                "fillcolor": BAND,
                "line": {"width": 0},
                "layer": "below",
            }
        )
        # An invisible trace gives the band its legend entry.
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": fmt.t("kpi.benchmark_band"),
                "x": [None],
                "y": [None],
                "marker": {"size": 12, "color": BAND, "symbol": "square"},
            }
        )
    return {"data": data, "layout": _layout(fmt, unit, shapes=shapes)}


def breakdown_figure(
    labels: Sequence[str],
    values: Sequence[float | None],
    statuses: Sequence[str | None],
    *,
    unit: str,
    fmt: Formatter,
    links: Sequence[str | None] | None = None,
) -> dict:
    """Horizontal bars, largest first, coloured by status against the target; a click on a
    bar opens its entry of `links` (the records of that value)."""
    count = len(labels)
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "y": list(reversed(labels)),
            "customdata": list(reversed(links)) if links else None,
            "x": [_scale(v, unit) for v in reversed(values)],
            "text": [fmt.kpi_value(v, unit) for v in reversed(values)],
            "textposition": "auto",
            "hovertemplate": "%{y}: %{text}<extra></extra>",
            "marker": {"color": [STATUS_COLOURS.get(s or "", LINE) for s in reversed(statuses)]},
        }
    ]
    layout = _layout(
        fmt,
        unit,
        height=max(220, 28 * count + 60),
        showlegend=False,
        margin={"l": 160, "r": 20, "t": 10, "b": 30},
    )
    layout["xaxis"] = layout.pop("yaxis")
    layout["yaxis"] = {"automargin": True}
    return {"data": data, "layout": layout}


def kpi_trend_chart(data: dict, fmt: Formatter, query=None) -> dict:
    """The trend figure of a KPI page's data (see routes/kpi.py): the trend, with points
    whose number is not final (a period not over, a cohort maturing) drawn hollow; the
    same points a year earlier; and each goal of the shown scope as a dashed step line.
    With the page's `query`, each point links to that period's records."""
    kpi = data["kpi"]
    band = kpi["benchmark"]
    labels = [r["period"] for r in data["trend"]]
    links = [query.with_(period=p, offset=None) + "#records" for p in labels] if query else None
    figure = trend_figure(
        labels,
        [r["value"] for r in data["trend"]],
        unit=kpi["unit"],
        fmt=fmt,
        name=kpi["name"],
        target=kpi["target"],
        benchmark=(band["low"], band["high"]) if band else None,
        links=links,
    )
    unfinished = [r["maturing"] or r["status"] == "pending" for r in data["trend"]]
    main = figure["data"][0]
    main["marker"] = {
        "symbol": ["circle-open" if u else "circle" for u in unfinished],
        "size": [10 if u else 6 for u in unfinished],
    }
    main["text"] = [
        text + (" · " + fmt.t("kpi.not_final") if u else "")
        for text, u in zip(main["text"], unfinished, strict=True)
    ]
    # Every line on the trend's own axis (its periods in words): a line on the raw labels
    # would add a second set of categories ("2026-01" after "gen 2026").
    axis = main["x"]
    last_year = data.get("last_year_trend") or []
    if len(last_year) == len(labels):
        values = [r["value"] for r in last_year]
        figure["data"].append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": fmt.t("kpi.same_period_last_year"),
                "x": axis,
                "y": [_scale(v, kpi["unit"]) for v in values],
                "text": [
                    f"{fmt.period(r['period'])}: {fmt.kpi_value(r['value'], kpi['unit'])}"
                    for r in last_year
                ],
                "hovertemplate": "%{text}<extra></extra>",
                "line": {"color": "#9aa3af", "dash": "dot", "width": 1.5},
            }
        )
    for goal in data.get("goals") or []:
        points = goal["per_point"]
        figure["data"].append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": fmt.t(
                    "kpi.goal_line", scope=goal["scope_label"], period=fmt.period(goal["period"])
                ),
                "x": axis,
                "y": [_scale(v, kpi["unit"]) for v in points],
                "text": [fmt.kpi_value(v, kpi["unit"]) for v in points],
                "hovertemplate": "%{x}: %{text}<extra></extra>",
                "line": {"color": GOAL, "dash": "dash", "width": 2, "shape": "hv"},
                "marker": {"symbol": "line-ew-open", "size": 14, "color": GOAL},
                "connectgaps": False,
            }
        )
    return figure


def goal_progress_chart(goal: dict, fmt: Formatter) -> dict:
    """One goal over its period: the pro-rated expected path, the value so far today, and
    the projected end value with its 80% interval."""
    unit = goal["unit"]
    path = goal["expected_path"]
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": fmt.t("goals.expected_path"),
            "x": [p["day"] for p in path],
            "y": [_scale(p["value"], unit) for p in path],
            "hoverinfo": "skip",
            "line": {"color": GOAL, "dash": "dash", "width": 2},
        }
    ]
    today = goal.get("today")
    if goal["actual"] is not None and today:
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": fmt.t("goals.actual"),
                "x": [today],
                "y": [_scale(goal["actual"], unit)],
                "text": [fmt.kpi_value(goal["actual"], unit)],
                "hovertemplate": "%{x}: %{text}<extra></extra>",
                "marker": {"color": LINE, "size": 10},
            }
        )
    if goal["projection"] is not None and path:
        low, high = goal["projection_low"], goal["projection_high"]
        centre = _scale(goal["projection"], unit)
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": fmt.t("goals.projection"),
                "x": [path[-1]["day"]],
                "y": [centre],
                "text": [fmt.kpi_value(goal["projection"], unit)],
                "hovertemplate": "%{x}: %{text}<extra></extra>",
                "marker": {"color": LINE, "size": 10, "symbol": "diamond"},
                "error_y": {
                    "type": "data",
                    "symmetric": False,
                    "array": [(_scale(high, unit) or centre) - centre],
                    "arrayminus": [centre - (_scale(low, unit) or centre)],
                    "color": LINE,
                },
            }
        )
    return {"data": data, "layout": _layout(fmt, unit, height=260)}


def breakdown_link(query, dimension: str, key: str | None) -> str | None:
    """The page's records kept to one breakdown value (None: rows without a value)."""
    if query is None or key is None:
        return None
    return query.with_(**{dimension: key}, offset=None) + "#records"


def kpi_breakdown_chart(data: dict, fmt: Formatter, query=None) -> dict:
    rows = data["breakdown"]["rows"]
    dimension = data["breakdown"]["dimension"]
    return breakdown_figure(
        [r["label"] if r["label"] is not None else fmt.t("dimension.none") for r in rows],
        [r["value"] for r in rows],
        [r["status"] for r in rows],
        unit=data["kpi"]["unit"],
        fmt=fmt,
        links=[breakdown_link(query, dimension, r["key"]) for r in rows] if query else None,
    )
