"""Two rhythms of dashboards (seeds 000, 002): the operational one, for the KPIs watched
daily and weekly (activities, response times, tickets, pipeline moves), over the last
complete week with a weekly sparkline; the strategic one, for those reviewed monthly and
quarterly (win rate, churn, CLV, margin, EBITDA), over the last complete month with a
monthly sparkline. Which KPI belongs where is its catalog `frequency`.

GET /dashboards/operational · /dashboards/strategic (pages) and their /api twins: the
same cards as the overview (routes/overview.py), in the same scope.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from cruscotto.engine import Engine
from cruscotto.web.access import OVERVIEW_FILTERS, Access, access
from cruscotto.web.kpis import engine, period_dict, resolve_period, spark_window
from cruscotto.web.pages import nav_item, page
from cruscotto.web.pickers import pickers
from cruscotto.web.routes.overview import AREAS, card_numbers, kpi_card

router = APIRouter()
nav_item("operational", "/dashboards/operational", "nav.operational", order=20)
nav_item("strategic", "/dashboards/strategic", "nav.strategic", order=21)

RHYTHMS = {
    "operational": {"frequencies": ("daily", "weekly"), "grain": "week"},
    "strategic": {"frequencies": ("monthly", "quarterly"), "grain": "month"},
}


def rhythm_cards(rhythm: str, period: str | None, who: Access, kpis: Engine) -> dict:
    spec = RHYTHMS[rhythm]
    grain = spec["grain"]
    fiscal = kpis.settings.fiscal_year_start_month
    current = resolve_period(period, grain, kpis, who)
    previous = current.previous()
    shown = [
        k
        for area in AREAS
        for k in who.visible(kpis.catalog.all())
        if k.dashboard_area == area and k.frequency in spec["frequencies"]
    ]
    computable = [k for k in shown if not who.inapplicable(k)]
    window = spark_window(current, grain, fiscal)
    numbers = card_numbers(kpis, computable, current, previous, window, grain, who.filters())
    cards = {k.id: kpi_card(k, numbers.get(k.id), who) for k in shown}
    return {
        "rhythm": rhythm,
        "period": period_dict(current),
        "previous": period_dict(previous),
        "grain": grain,
        "filters": who.filters(),
        "pickers": pickers(kpis, who, OVERVIEW_FILTERS),
        "areas": [
            {"id": area, "cards": [cards[k.id] for k in shown if k.dashboard_area == area]}
            for area in AREAS
        ],
    }


@page(router, "/dashboards/operational", "overview.html", name="operational", tags=["dashboard"])
def operational(
    period: str | None = None, who: Access = Depends(access), kpis: Engine = Depends(engine)
) -> dict:
    """The daily and weekly KPIs, by default over the last complete week."""
    return rhythm_cards("operational", period, who, kpis)


@page(router, "/dashboards/strategic", "overview.html", name="strategic", tags=["dashboard"])
def strategic(
    period: str | None = None, who: Access = Depends(access), kpis: Engine = Depends(engine)
) -> dict:
    """The monthly and quarterly KPIs, by default over the last complete month."""
    return rhythm_cards("strategic", period, who, kpis)
