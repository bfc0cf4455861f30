"""The overview: the four dashboard areas, one card per KPI the user may see (SPEC §4),
after the user's own pinned KPIs in their order (web/pins.py, routes/pins.py).

GET /overview  (page)  ·  GET /api/overview  (the same data as JSON)
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query

from cruscotto.engine import Engine, Period
from cruscotto.web.access import OVERVIEW_FILTERS, Access, access
from cruscotto.web.i18n import change
from cruscotto.web.kpis import (
    benchmark_dict,
    check_grain,
    engine,
    log,
    period_dict,
    readable_period,
    resolve_period,
    spark_window,
)
from cruscotto.web.pages import fragment, nav_item, page
from cruscotto.web.pickers import pickers
from cruscotto.web.pins import pinned

router = APIRouter()
nav_item("overview", "/overview", "nav.overview", order=10)

AREAS = ("sales", "customer", "operations", "profitability")
# The user's pinned KPIs: an area of its own, shown first.
PINNED = "pinned"
# Below this many records a value is flagged as resting on a small sample.
SMALL_SAMPLE = 30


KpiChoice = Annotated[list[str] | None, Query(description="only these KPIs' cards")]
AreaChoice = Annotated[
    str | None, Query(description="only this area's cards (`pinned`: the user's pinned KPIs)")
]


def shown_cards(who: Access, kpis: Engine, kpi: list[str] | None, area: str | None) -> list:
    """The visible KPIs of the areas asked for, in the overview's order."""
    return [
        k
        for each in AREAS
        for k in who.visible(kpis.catalog.all())
        if k.dashboard_area == each and (not kpi or k.id in kpi) and (not area or each == area)
    ]


def pinned_cards(who: Access, kpis: Engine) -> list:
    """The user's pinned KPIs that are still on their dashboards, in the user's order."""
    on_dashboards = {k.id: k for k in shown_cards(who, kpis, None, None)}
    pins = pinned(kpis.warehouse, who.user.username)
    return [on_dashboards[p] for p in pins if p in on_dashboards]


def _areas(who: Access, shown: list, pins: list, cards) -> list[dict]:
    """The pinned area (when the user pinned anything) and the four areas, each with its
    cards made by `cards(kpi)`."""
    pinned_area = [{"id": PINNED, "cards": [cards(k) for k in pins]}] if pins else []
    return pinned_area + [
        {"id": area, "cards": [cards(k) for k in shown if k.dashboard_area == area]}
        for area in AREAS
    ]


def overview_shell(
    period: str | None = None,
    grain: str = "month",
    kpi: KpiChoice = None,
    who: Access = Depends(access),
    kpis: Engine = Depends(engine),
) -> dict:
    """What the overview page shows at once: filters, the period (or why the one asked for
    cannot be read), and each area's cards by name; their numbers load into them."""
    check_grain(grain, who)
    current, problem = readable_period(period, grain, kpis, who)
    shown = shown_cards(who, kpis, kpi, None)
    pins = pinned_cards(who, kpis) if not kpi else []
    on_dashboards = shown_cards(who, kpis, None, None)
    return {
        "period": period_dict(current),
        "previous": period_dict(current.previous()),
        "period_error": problem,
        "grain": grain,
        "filters": who.filters(),
        "pickers": pickers(kpis, who, OVERVIEW_FILTERS),
        "areas": _areas(who, shown, pins, lambda k: {"id": k.id, "name": who.t.pick(k.name)}),
        # What the "my pinned KPIs" panel offers: the pins to move, the others to pin.
        "pins": [{"id": k.id, "name": who.t.pick(k.name)} for k in pins],
        "pinnable": [
            {"id": k.id, "name": who.t.pick(k.name)} for k in on_dashboards if k not in pins
        ],
    }


@page(
    router,
    "/overview",
    "overview.html",
    name="overview",
    shell=overview_shell,
    tags=["dashboard"],
)
def overview(
    period: str | None = None,
    grain: str = "month",
    kpi: KpiChoice = None,
    area: AreaChoice = None,
    who: Access = Depends(access),
    kpis: Engine = Depends(engine),
) -> dict:
    """The user's pinned KPIs, then every visible KPI of the four areas (or only `area`'s):
    value, change vs previous period, sparkline."""
    check_grain(grain, who)
    if area is not None and area not in (PINNED, *AREAS):
        names = ", ".join((PINNED, *AREAS))
        raise HTTPException(400, who.t("error.bad_area", area=area, areas=names))
    current = resolve_period(period, grain, kpis, who)
    previous = current.previous()
    window = spark_window(current, grain, kpis.settings.fiscal_year_start_month)
    pins = pinned_cards(who, kpis) if area in (None, PINNED) and not kpi else []
    shown = [] if area == PINNED else shown_cards(who, kpis, kpi, area)
    computable = [k for k in {k.id: k for k in pins + shown}.values() if not who.inapplicable(k)]
    numbers = card_numbers(kpis, computable, current, previous, window, grain, who.filters())
    areas = _areas(who, shown, pins, lambda k: kpi_card(k, numbers.get(k.id), who))
    if area is not None:
        areas = [a for a in areas if a["id"] == area]
    return {
        "period": period_dict(current),
        "previous": period_dict(previous),
        "grain": grain,
        "filters": who.filters(),
        "pickers": pickers(kpis, who, OVERVIEW_FILTERS),
        "areas": areas,
    }


def card_numbers(
    kpis: Engine,
    definitions: list,
    current: Period,
    previous: Period,
    window: Period,
    grain: str,
    filters: dict,
) -> dict[str, tuple | Exception]:
    """{kpi id: (now, before, trend)} for many KPIs with the engine's batched queries.

    A whole month (week, quarter…) and the one before are the trend's last two points, so
    usually one batch answers everything. If a batch fails (say a missing fx rate), each
    KPI is computed alone, so that one broken KPI shows its error and the rest still show.
    """
    ids = [k.id for k in definitions]
    if not ids:
        return {}
    try:
        return _batched(kpis, ids, current, previous, window, grain, filters)
    except Exception:
        log.warning("overview: batch failed, computing KPIs one by one", exc_info=True)
    numbers: dict[str, tuple | Exception] = {}
    for kpi_id in ids:
        try:
            numbers.update(_batched(kpis, [kpi_id], current, previous, window, grain, filters))
        except Exception as exc:
            log.warning("overview: %s failed: %s", kpi_id, exc)
            numbers[kpi_id] = exc
    return numbers


def _batched(kpis, ids, current, previous, window, grain, filters) -> dict[str, tuple]:
    trends = kpis.trends(ids, window, grain, filters)
    last_two = [r.period for r in next(iter(trends.values()))[-2:]]
    if last_two == [previous, current]:
        return {i: (trends[i][-1], trends[i][-2], trends[i]) for i in ids}
    now = kpis.values(ids, current, filters)
    before = kpis.values(ids, previous, filters)
    return {i: (now[i], before[i], trends[i]) for i in ids}


def kpi_card(kpi, numbers: tuple | Exception | None, who: Access) -> dict:
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
    if numbers is None:  # a filter this KPI cannot be cut by
        return card
    if isinstance(numbers, Exception):
        card["error"] = str(numbers)
        return card
    now, before, trend = numbers
    delta = change(now.value, before.value, kpi.unit)
    card.update(
        {
            "value": now.value,
            "status": now.status,
            "previous_value": before.value,
            "change": delta,
            "improved": improved(delta, kpi.direction),
            "sample_size": now.sample_size,
            # Records whose value is unknown (an empty amount), never counted as 0.
            "unknown": now.details.get("unknown"),
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


fragment(
    router,
    "/overview/cards",
    "_overview_cards.html",
    overview,
    name="overview_cards",
    page_path="/overview",
)


# A change is shown to one decimal (of a percent, or of a point for rates): up to half of
# that step it reads "+0.0%" (babel rounds half to even), which is no verdict either way.
SHOWN_STEP = 0.001


def improved(delta: float | None, direction: str) -> bool | None:
    """Whether a change is for the better (None: no change worth a ✓ or ✗, or unknown)."""
    if delta is None or abs(delta) <= SHOWN_STEP / 2:
        return None
    return (delta > 0) == (direction == "higher")
