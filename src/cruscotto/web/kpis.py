"""What the KPI pages and the overview share: the engine, periods, and results as JSON.

Reports use these too: `Depends(engine)` for the engine of the app, `resolve_period` for
a `?period=` text (400 with a readable message when it cannot be read).
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, date, datetime, timedelta

from fastapi import HTTPException, Request

from cruscotto.engine import Engine, KpiResult, Period
from cruscotto.model import table as model_table
from cruscotto.web.access import Access
from cruscotto.web.cache import CachedEngine
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
                computing = Engine(state.warehouse, state.settings, today=state.today)
                state.engine = CachedEngine(computing, ttl=state.cache_seconds)
    return state.engine


def check_grain(grain: str, who: Access) -> str:
    if grain not in GRAINS:
        raise HTTPException(400, who.t("error.bad_grain", grain=grain))
    return grain


def resolve_period(text: str | None, grain: str, kpis: Engine, who: Access) -> Period:
    """The period typed in the URL; without one, the last complete `grain` unit."""
    fiscal = kpis.settings.fiscal_year_start_month
    if not text:
        return Period.current(grain, kpis.today, fiscal).previous()
    try:
        period = Period.parse(text, fiscal)
    except (ValueError, OverflowError):  # OverflowError: a date past 9999
        raise HTTPException(400, who.t("error.bad_period", period=text)) from None
    check_period(period, grain, who)
    return period


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


def freshness(kpis: Engine, tables: list[str]) -> dict[str, date | None]:
    """The newest record date of each source table (None when it has no rows)."""
    if isinstance(kpis, CachedEngine):
        return kpis.remember(("freshness", *tables), lambda: _freshness(kpis, tables))
    return _freshness(kpis, tables)


def _freshness(kpis: Engine, tables: list[str]) -> dict[str, date | None]:
    newest: dict[str, date | None] = {}
    for name in tables:
        column = model_table(name).date_column
        if column is None:
            newest[name] = None
            continue
        t = kpis.warehouse.table(name)
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
