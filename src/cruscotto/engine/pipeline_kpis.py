"""Pipeline KPIs no declaration can express: touches before a deal, forecast hits, days
in a stage.

Each is one description of its records (`computes_summed`), summed for a period, a
breakdown (`scope.keys`) or every sub-period of a trend in one query.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from cruscotto.engine.kpi_scope import KpiScope, Part
from cruscotto.engine.measured import Measured, as_float, computes_summed, divide, rate

# -- system touches --------------------------------------------------------------------


def deal_touches(scope: KpiScope, parts: list[Part] | None = None) -> ir.Table:
    """Every deal from a qualified lead (whenever opened), with the number of outbound
    touches its lead had before the deal was opened (and GROUP in a breakdown)."""
    deals = scope.table("opportunities")
    leads = scope.warehouse.table("leads")
    qualified = leads.filter(leads.mql_at.notnull()).select(qualified_lead=leads.lead_id)
    deals = deals.join(qualified, deals.lead_id == qualified.qualified_lead)
    activities = scope.warehouse.table("activities")
    outbound = activities.filter(
        activities.direction == "outbound", activities.lead_id.notnull()
    ).select(touch_lead=activities.lead_id, touch_at=activities.occurred_at)
    joined = deals.left_join(
        outbound, [deals.lead_id == outbound.touch_lead, outbound.touch_at < deals.created_at]
    )
    return joined.group_by(["opportunity_id", "lead_id", "created_at", *scope.keys]).aggregate(
        touches=joined.touch_at.count()
    )


def touched_deals(scope: KpiScope) -> ir.Table:
    """The deals opened in the period from qualified leads, with their prior touches."""
    deals = deal_touches(scope)
    return deals.filter(scope.within(deals.created_at))


def _touches_per_deal(row: dict[str, Any]) -> Measured:
    touches, deals = int(row.get("touches") or 0), int(row.get("deals") or 0)
    return Measured(divide(touches, deals), touches, deals, sample_size=deals)


# Outbound touches of a qualified lead before its deal was opened, per deal opened.
computes_summed(
    "system_touches",
    deal_touches,
    "created_at",
    {"touches": lambda t: t.touches.sum(), "deals": lambda t: t.count()},
    _touches_per_deal,
    listed=touched_deals,
)

# -- forecast hit rate -----------------------------------------------------------------


def deals_with_hit(scope: KpiScope, parts: list[Part]) -> ir.Table:
    """The deals with `hit`: won within the same part they were expected to close in."""
    deals = scope.table("opportunities")
    expected = scope.part_index(deals.expected_close_date, parts)
    closed = scope.part_index(deals.closed_at, parts)
    hit = (deals.status == "won") & (closed == expected)
    return deals.mutate(hit=hit.fill_null(False))


def expected_deals(scope: KpiScope) -> ir.Table:
    """Deals expected to close in the period, flagged `hit` when won within it."""
    deals = deals_with_hit(scope, [(scope.start, scope.end)])
    return deals.filter(scope.within(deals.expected_close_date))


# Deals expected to close in the period that were won in it ÷ deals expected to.
computes_summed(
    "forecast_hit_rate",
    deals_with_hit,
    "expected_close_date",
    {"hits": lambda t: t.hit.sum(), "deals": lambda t: t.count()},
    lambda row: rate(row.get("hits"), row.get("deals")),
    listed=expected_deals,
)

# -- stage duration --------------------------------------------------------------------


def stage_stays(scope: KpiScope, parts: list[Part] | None = None) -> ir.Table:
    """Stays in a stage that ended in the period: entered, left (the deal entered its next
    stage), `days_in_stage` (and GROUP in a breakdown).

    The next stage is found among all of a deal's stage changes before the filters apply,
    so a filter by stage keeps the stays in that stage and their real length."""
    history = scope.warehouse.table("stage_history")
    # A stay ends when the deal enters its next stage: only deals that entered a stage in
    # the period can have a stay ending in it, so the window runs over those deals alone.
    moved = history.filter(scope.within(history.entered_at))
    history = history.filter(history.opportunity_id.isin(moved.opportunity_id))
    order = ibis.window(group_by=history.opportunity_id, order_by=history.entered_at)
    stays = history.mutate(left_at=history.entered_at.lead().over(order))
    stays = scope.table("stage_history", base=stays)
    stays = stays.filter(scope.within(stays.left_at))
    days = (stays.left_at.epoch_seconds() - stays.entered_at.epoch_seconds()).cast("float64")
    return stays.mutate(days_in_stage=days / 86400.0)


def _bottleneck(scope: KpiScope) -> dict[str, Any]:
    """The stage with the longest mean stay in the period (ties: the first by name)."""
    stays = stage_stays(scope)
    by_stage = stays.group_by("stage").aggregate(days=stays.days_in_stage.mean())
    slowest = scope.row(by_stage.order_by(ibis.desc("days"), "stage").limit(1))
    if not slowest:
        return {}
    return {"bottleneck_stage": slowest["stage"], "bottleneck_days": as_float(slowest["days"])}


# Mean days a deal stays in a stage, over the stays that ended in the period.
computes_summed(
    "stage_duration",
    stage_stays,
    "left_at",
    {
        "days": lambda t: t.days_in_stage.mean(),
        "median": lambda t: t.days_in_stage.median(),
        "stays": lambda t: t.count(),
    },
    lambda row: Measured(
        as_float(row.get("days")),
        sample_size=int(row.get("stays") or 0),
        details={"median": as_float(row.get("median"))},
    ),
    listed=stage_stays,
    details=_bottleneck,
)
