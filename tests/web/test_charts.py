"""Sparklines and plotly figures."""

from __future__ import annotations

from cruscotto.web.charts import breakdown_figure, kpi_trend_chart, sparkline, trend_figure
from cruscotto.web.i18n import Formatter


def test_sparkline_is_an_inline_svg_with_gaps_for_missing_values():
    svg = str(sparkline([1, 2, None, 4, 5]))
    assert svg.startswith('<svg class="spark"')
    assert svg.count("<polyline") == 2  # [1, 2] and [4, 5], broken at the missing value
    assert str(sparkline([None, 3])) == ""  # one point is not a line


def test_trend_figure_has_target_line_and_benchmark_band_in_percent():
    figure = trend_figure(
        ["2026-01", "2026-02"],
        [0.10, 0.125],
        unit="percent",
        fmt=Formatter("it"),
        name="Win rate",
        target=0.2,
        benchmark=(0.15, 0.20),
    )
    line, target = figure["data"][0], figure["data"][1]
    assert line["y"] == [10.0, 12.5]  # fractions drawn as percentages
    assert line["text"] == ["10,0%", "12,5%"]
    assert target["y"] == [20.0, 20.0]
    (band,) = figure["layout"]["shapes"]
    assert (band["y0"], band["y1"]) == (15.0, 20.0)
    assert figure["layout"]["separators"] == ",."  # Italian decimal comma


def test_breakdown_figure_lists_largest_first_from_the_top():
    figure = breakdown_figure(
        ["Anna", "Bruno"], [3, 2], ["on_target", None], unit="count", fmt=Formatter("en")
    )
    bars = figure["data"][0]
    # plotly draws horizontal bars bottom-up, so the largest comes last
    assert bars["y"] == ["Bruno", "Anna"]
    assert bars["x"] == [2, 3]


def test_last_year_and_goal_lines_share_the_trend_axis_in_words():
    """A KPI page's trend with its year-earlier line and a goal (the shape routes/kpi.py
    gives): every line on the months in words. The year-earlier line was drawn on the raw
    labels, which added "2026-01", "2026-02" as new categories after "gen 2026"."""
    point = {"maturing": False, "status": None}
    data = {
        "kpi": {"unit": "count", "name": "Nuove opportunità", "target": None, "benchmark": None},
        "trend": [
            point | {"period": "2026-01", "value": 13},
            point | {"period": "2026-02", "value": 15},
        ],
        "last_year_trend": [{"period": "2025-01", "value": 12}, {"period": "2025-02", "value": 10}],
        "goals": [{"per_point": [14, 14], "scope_label": "Team Nord", "period": "2026-Q1"}],
    }
    figure = kpi_trend_chart(data, Formatter("it"))
    main, last_year, goal = figure["data"]
    assert main["x"] == ["gen 2026", "feb 2026"]
    assert last_year["x"] == main["x"] and goal["x"] == main["x"]
    assert last_year["text"] == ["gennaio 2025: 12", "febbraio 2025: 10"]
    assert "T1 2026" in goal["name"] and "2026-Q1" not in goal["name"]
