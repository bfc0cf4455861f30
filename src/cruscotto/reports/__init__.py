"""The CRM reports (SPEC §4, seed 002) and the executive summary, with CSV/XLSX export.

Every report is a function `(engine, period=None, filters=None, **options) -> Report`
built on the KPI engine (its periods, dimension filters, currency conversion and
statistics); `build(engine, name, …)` runs one by name. Filters are the engine's
dimension filters, so a rep's scope ({"rep": [id]}) applies to every table of a report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cruscotto.engine import Engine, Filters, Period
from cruscotto.reports.conversion import conversion_by_source, matured_default
from cruscotto.reports.export import to_csv, to_xlsx
from cruscotto.reports.forecast import forecast_default, sales_forecast
from cruscotto.reports.leaderboard import sales_leaderboard
from cruscotto.reports.lost import lost_opportunities
from cruscotto.reports.periods import last_complete_month_of
from cruscotto.reports.report import Column, Report, ReportTable
from cruscotto.reports.summary import executive_summary


@dataclass(frozen=True)
class ReportSpec:
    name: str
    title: str
    description: str
    build: Callable[..., Report]
    options: tuple[str, ...] = ()  # keyword options beyond period and filters
    # The period the report shows when none is asked for (its builder's own default):
    # known before the report runs, so a page can show it at once.
    default_period: Callable[[Engine], Period] = last_complete_month_of


REPORTS: dict[str, ReportSpec] = {
    spec.name: spec
    for spec in (
        ReportSpec(
            "forecast",
            "Sales forecast",
            "Open pipeline weighted by each deal's close probability (learned from the "
            "company's won and lost deals), by expected close month; the factors behind each "
            "deal; forecast vs actual for past months.",
            sales_forecast,
            options=("scores",),
            default_period=forecast_default,
        ),
        ReportSpec(
            "conversion",
            "Sales conversion by lead source",
            "Per channel: leads, MQL, SQL, opportunities, won, conversion rates with 95% "
            "intervals, cost per lead and per won deal.",
            conversion_by_source,
            default_period=matured_default,
        ),
        ReportSpec(
            "leaderboard",
            "Sales performance leaderboard",
            "Deals per rep (won, win rate, open pipeline), deal value by stage, the deals.",
            sales_leaderboard,
            options=("statuses", "currencies"),
        ),
        ReportSpec(
            "lost",
            "Lost opportunities by reason",
            "Deals lost per reason: count, value, share, and the trend by month.",
            lost_opportunities,
        ),
        ReportSpec(
            "summary",
            "Executive summary",
            "The four dashboard areas with their headline KPIs against targets.",
            executive_summary,
        ),
    )
}


def default_period(engine: Engine, name: str) -> Period:
    """The period report `name` shows when none is asked for."""
    return spec(name).default_period(engine)


def spec(name: str) -> ReportSpec:
    try:
        return REPORTS[name]
    except KeyError:
        raise KeyError(f"unknown report {name!r}; the reports are: {', '.join(REPORTS)}") from None


def build(
    engine: Engine,
    name: str,
    period: Period | str | None = None,
    filters: Filters | None = None,
    **options: Any,
) -> Report:
    """Run report `name` for `period` (text or Period; default per report) under `filters`."""
    chosen = spec(name)
    unknown = set(options) - set(chosen.options)
    if unknown:
        raise ValueError(f"report {name} takes no option {', '.join(sorted(unknown))}")
    if isinstance(period, str):
        period = engine.period(period)
    return chosen.build(engine, period, filters, **{k: v for k, v in options.items() if v})


__all__ = [
    "REPORTS",
    "Column",
    "Report",
    "ReportSpec",
    "ReportTable",
    "build",
    "default_period",
    "spec",
    "to_csv",
    "to_xlsx",
]
