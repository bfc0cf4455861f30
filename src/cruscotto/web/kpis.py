"""What the KPI pages and the overview share: the engine, periods, and results as JSON.

Reports use these too: `Depends(engine)` for the engine of the app, `resolve_period` for
a `?period=` text (400 with a readable message when it cannot be read).
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, date, datetime, timedelta

from fastapi import HTTPException, Request

from cruscotto.catalog import load_catalog
from cruscotto.engine import Engine, KpiResult, Period, filterable
from cruscotto.model import table as model_table
from cruscotto.settings import read_config
from cruscotto.web.access import Access
from cruscotto.web.cache import CachedEngine, remembered
from cruscotto.web.limits import check_period

log = logging.getLogger("cruscotto.web")

GRAINS = ("day", "week", "month", "quarter", "year")
# How many sub-periods a sparkline shows, per grain.
SPARK_POINTS = {"day": 14, "week": 12, "month": 12, "quarter": 8, "year": 5}
_engine_lock = threading.Lock()


def engine(request: Request) -> Engine:
    """The app's engine (answers cached by data version, see web/cache.py), made once."""
    state = request.app.state
    if state.engine is None:
        with _engine_lock:
            if state.engine is None:
                # The KPI catalog with the company's targets, benchmarks and custom KPIs.
                catalog = load_catalog(read_config(state.config_path))
                computing = Engine(
                    state.warehouse, state.settings, catalog=catalog, today=state.today
                )
                state.engine = CachedEngine(computing, ttl=state.cache_seconds)
    return state.engine


def forget_engine(request: Request) -> None:
    """Drop the app's engine and its answers: the next request builds one with the settings
    and targets now in force (after the admin changed them)."""
    with _engine_lock:
        request.app.state.engine = None


def check_grain(grain: str, who: Access) -> str:
    if grain not in GRAINS:
        raise HTTPException(400, who.t("error.bad_grain", grain=grain))
    return grain


# The period presets of the filter bar: relative periods, so a bookmark stays "last month".
PRESETS = (
    "this_month",
    "last_month",
    "quarter_to_date",
    "last_quarter",
    "year_to_date",
    "last_12_months",
)


def preset_period(name: str, today: date, fiscal_year_start_month: int) -> Period:
    """A preset as a period; "to date" periods end with today (fiscal quarter and year)."""
    fiscal = fiscal_year_start_month
    if name == "this_month":
        return Period.current("month", today, fiscal)
    if name == "last_month":
        return Period.current("month", today, fiscal).previous()
    if name == "quarter_to_date":
        return Period.between(Period.current("quarter", today, fiscal).start, today)
    if name == "last_quarter":
        return Period.current("quarter", today, fiscal).previous()
    if name == "year_to_date":
        return Period.between(Period.current("year", today, fiscal).start, today)
    if name == "last_12_months":
        this_month = Period.current("month", today, fiscal)
        return Period(this_month.start.replace(year=this_month.start.year - 1), this_month.start)
    raise ValueError(f"unknown preset {name!r}")


def resolve_period(text: str | None, grain: str, kpis: Engine, who: Access) -> Period:
    """The period in the URL: a preset (`last_month`), a label (`2026-03`, `2026-Q1`,
    `2026-01-01..2026-03-31`); without one, the last complete `grain` unit."""
    fiscal = kpis.settings.fiscal_year_start_month
    if not text:
        return Period.current(grain, kpis.today, fiscal).previous()
    if text in PRESETS:
        return preset_period(text, kpis.today, fiscal)
    try:
        period = Period.parse(text, fiscal)
    except (ValueError, OverflowError):  # OverflowError: a date past 9999
        raise HTTPException(400, who.t("error.bad_period", period=text)) from None
    check_period(period, grain, who)
    return period


def readable_period(
    text: str | None, grain: str, kpis: Engine, who: Access
) -> tuple[Period, str | None]:
    """(the period, None), or for a period that cannot be read the default period and the
    message to show on the page (a typo is a sentence above the numbers, not an error page)."""
    try:
        return resolve_period(text, grain, kpis, who), None
    except HTTPException as error:
        return resolve_period(None, grain, kpis, who), str(error.detail)


def spark_window(period: Period, grain: str, fiscal_year_start_month: int) -> Period:
    """The `SPARK_POINTS[grain]` units of `grain` that end with the one holding `period`'s end."""
    unit = Period.current(grain, period.end - timedelta(days=1), fiscal_year_start_month)
    first = unit
    for _ in range(SPARK_POINTS[grain] - 1):
        first = Period.current(grain, first.start - timedelta(days=1), fiscal_year_start_month)
    return Period(first.start, period.end)


def trend_window(period: Period, grain: str, kpis: Engine) -> Period:
    """The period itself when it spans several grains; else the grains leading up to it."""
    fiscal = kpis.settings.fiscal_year_start_month
    if len(period.split(grain, fiscal)) > 1:
        return period
    return spark_window(period, grain, fiscal)


def period_dict(period: Period) -> dict:
    return {"label": period.label, "start": period.start, "end": period.end}


def result_dict(result: KpiResult) -> dict:
    return result.to_dict()


def benchmark_dict(kpi) -> dict | None:
    band = kpi.benchmark
    if band is None:
        return None
    return {"low": band.low, "high": band.high, "source": band.source}


def definition_dict(kpi, who: Access) -> dict:
    """The definition card of a KPI, texts in the user's language."""
    t = who.t
    return {
        "id": kpi.id,
        "area": kpi.area,
        "dashboard_area": kpi.dashboard_area,
        "name": t.pick(kpi.name),
        "description": t.pick(kpi.description),
        "formula": t.pick(kpi.formula),
        "unit": kpi.unit,
        "direction": kpi.direction,
        "sources": list(kpi.sources),
        "frequency": kpi.frequency,
        "dimensions": list(kpi.dimensions),
        "target": kpi.target,
        "benchmark": benchmark_dict(kpi),
        "is_rate": kpi.is_rate,
    }


def freshness(
    kpis: Engine, tables: list[str], scope: dict[str, list[str]] | None = None
) -> dict[str, date | None]:
    """The newest record date of each source table (None when it has no rows).

    With `scope` (a rep's or a manager's forced filters), the newest of the records in
    that scope, and only for the tables the scope applies to: the company-wide newest
    date is not theirs to read (issue 15).
    """
    scope = scope or {}
    key = ("freshness", *tables, *sorted((d, tuple(v)) for d, v in scope.items()))
    return remembered(kpis, key, lambda: _freshness(kpis, tables, scope))


def _freshness(
    kpis: Engine, tables: list[str], scope: dict[str, list[str]]
) -> dict[str, date | None]:
    newest: dict[str, date | None] = {}
    for name in tables:
        if not all(filterable(name, dimension) for dimension in scope):
            continue
        column = model_table(name).date_column
        if column is None:
            newest[name] = None
            continue
        t = kpis.records_of(name, None, scope) if scope else kpis.warehouse.table(name)
        value = kpis.execute(t[column].max())
        missing = value is None or value != value  # None, NaN or NaT: an empty table
        newest[name] = None if missing else _local_day(value, kpis.settings.tz)
    return newest


def _local_day(value, tz) -> date:
    """A stored date as it is; a stored UTC timestamp as the company's calendar day."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(tz).date()
    return value
