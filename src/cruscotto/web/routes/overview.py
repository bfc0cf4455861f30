"""The overview: the four dashboard areas, one card per KPI the user may see (SPEC §4).

GET /  (page)  ·  GET /api/overview  (the same data as JSON)
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import RedirectResponse

from cruscotto.engine import Engine, Period
from cruscotto.web.access import OVERVIEW_FILTERS, Access, access
from cruscotto.web.i18n import change
from cruscotto.web.kpis import (
    benchmark_dict,
    check_grain,
    engine,
    log,
    period_dict,
    resolve_period,
    spark_window,
)
from cruscotto.web.pages import nav_item, page
from cruscotto.web.pickers import pickers

router = APIRouter()
nav_item("overview", "/overview", "nav.overview", order=10)

AREAS = ("sales", "customer", "operations", "profitability")
# Below this many records a value is flagged as resting on a small sample.
SMALL_SAMPLE = 30


@router.get("/", include_in_schema=False)
def home(who: Access = Depends(access)):
    return RedirectResponse("/overview", status_code=303)


@page(router, "/overview", "overview.html", name="overview", tags=["dashboard"])
def overview(
    period: str | None = None,
    grain: str = "month",
    kpi: Annotated[list[str] | None, Query(description="only these KPIs' cards")] = None,
    who: Access = Depends(access),
    kpis: Engine = Depends(engine),
) -> dict:
    """Every visible KPI of the four areas: value, change vs previous period, sparkline."""
    check_grain(grain, who)
    current = resolve_period(period, grain, kpis, who)
    previous = current.previous()
    window = spark_window(current, grain, kpis.settings.fiscal_year_start_month)
    areas = []
    for area in AREAS:
        definitions = who.visible(
            k for k in kpis.catalog.all() if k.dashboard_area == area and (not kpi or k.id in kpi)
        )
        cards = [kpi_card(kpis, k, current, previous, window, grain, who) for k in definitions]
        areas.append({"id": area, "cards": cards})
    return {
        "period": period_dict(current),
        "previous": period_dict(previous),
        "grain": grain,
        "filters": who.filters(),
        "pickers": pickers(kpis, who, OVERVIEW_FILTERS),
        "areas": areas,
    }


def kpi_card(
    kpis: Engine, kpi, current: Period, previous: Period, window: Period, grain: str, who: Access
) -> dict:
    card = {
        "id": kpi.id,
        "name": who.t.pick(kpi.name),
        "unit": kpi.unit,
        "direction": kpi.direction,
        "target": kpi.target,
        "benchmark": benchmark_dict(kpi),
        "not_applicable": who.inapplicable(kpi),
        "error": None,
    }
    if card["not_applicable"]:
        return card
    filters = who.filters_for(kpi)
    try:
        trend = kpis.trend(kpi.id, window, grain, filters)
        # A whole month (week, quarter…) and the one before are the trend's last two points:
        # one grouped query per card instead of three.
        if len(trend) >= 2 and (trend[-2].period, trend[-1].period) == (previous, current):
            before, now = trend[-2], trend[-1]
        else:
            now = kpis.value(kpi.id, current, filters)
            before = kpis.value(kpi.id, previous, filters)
    except Exception as exc:  # one broken KPI (e.g. a missing fx rate) must not hide the rest
        log.warning("overview: %s failed: %s", kpi.id, exc)
        card["error"] = str(exc)
        return card
    delta = change(now.value, before.value, kpi.unit)
    card.update(
        {
            "value": now.value,
            "status": now.status,
            "previous_value": before.value,
            "change": delta,
            "improved": None if not delta else (delta > 0) == (kpi.direction == "higher"),
            "sample_size": now.sample_size,
            "small_sample": now.sample_size is not None and 0 < now.sample_size < SMALL_SAMPLE,
            "maturing": now.maturing,
            "numerator": now.numerator,
            "denominator": now.denominator,
            "ci_low": now.ci_low,
            "ci_high": now.ci_high,
            "sparkline": [{"period": r.period.label, "value": r.value} for r in trend],
        }
    )
    return card
