"""Marketing KPIs: spend, acquisition cost, campaign revenue and ROI, list growth.

A campaign's spend is spread evenly over its days, first and last included (a campaign
without an end day spends everything on its first day), so a quarter-long campaign
weighs on each month by the days it ran in it. Spend is converted to the base currency
at the rate of the campaign's first day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import ibis.expr.types as ir

from cruscotto.engine.customer_base import first_purchases_in_period
from cruscotto.engine.finance import months_of
from cruscotto.engine.kpi_scope import TOTAL, KpiScope, remembered
from cruscotto.engine.measured import Measured, as_float, computes, divide

CAMPAIGN_DIMENSIONS = ("channel", "campaign")


def _spend_share(running: ir.Table, start: ir.DateValue, last_day: ir.DateValue) -> ir.Value:
    """The part of each campaign's spend that falls in [start, last_day]."""
    ended = running.ended_at.fill_null(running.started_at)
    first = ibis.greatest(running.started_at, start)
    last = ibis.least(ended, last_day)
    days_in_period = last.delta(first, unit="day") + 1
    days = ended.delta(running.started_at, unit="day") + 1
    return running.spend * days_in_period.cast("float64") / days


def _campaigns_in_base(scope: KpiScope, start, last_day) -> ir.Table:
    campaigns = scope.table("campaigns")
    ended = campaigns.ended_at.fill_null(campaigns.started_at)
    running = campaigns.filter(campaigns.started_at <= last_day, ended >= start)
    return scope.to_base(
        running, ["spend"], day=running.started_at, source="campaigns", dated_by="started_at"
    )


def spend_by_campaign(scope: KpiScope) -> ir.Table:
    """(campaign_id, channel, spend) with each campaign's spend that falls in the period."""
    running = _campaigns_in_base(scope, scope.start, scope.last_day)
    share = _spend_share(
        running, ibis.literal(scope.start, "date"), ibis.literal(scope.last_day, "date")
    )
    return running.select("campaign_id", "channel", spend=share)


def spend_trend(scope: KpiScope, parts) -> list[Measured]:
    """Marketing spend of each consecutive part, from one query."""
    running = _campaigns_in_base(scope, parts[0][0], parts[-1][1] - dt.timedelta(days=1))
    bounds = ibis.memtable(
        {
            "part": list(range(len(parts))),
            "part_start": [start for start, _ in parts],
            "part_last": [end - dt.timedelta(days=1) for _, end in parts],
        },
        schema={"part": "int64", "part_start": "date", "part_last": "date"},
    )
    timeline = running.cross_join(bounds)
    ended = timeline.ended_at.fill_null(timeline.started_at)
    timeline = timeline.filter(
        timeline.started_at <= timeline.part_last, ended >= timeline.part_start
    )
    timeline = timeline.mutate(
        share=_spend_share(timeline, timeline.part_start, timeline.part_last)
    )
    totals = timeline.group_by("part").aggregate(
        spend=timeline.share.sum(), campaigns=timeline.count()
    )
    rows = {int(r["part"]): r for r in scope.warehouse.execute(totals).to_dict("records")}
    return [
        Measured(
            value=float(rows[i]["spend"]) if i in rows else 0.0,
            sample_size=int(rows[i]["campaigns"]) if i in rows else 0,
        )
        for i in range(len(parts))
    ]


@remembered(
    trend=lambda scope, parts: [(m.value, m.sample_size) for m in spend_trend(scope, parts)]
)
def marketing_spend_total(scope: KpiScope) -> tuple[float, int]:
    spend = spend_by_campaign(scope)
    row = scope.row(spend.aggregate(spend=spend.spend.sum(), campaigns=spend.count()))
    return float(row.get("spend") or 0.0), int(row.get("campaigns") or 0)


@computes("marketing_spend", records=spend_by_campaign, trend=spend_trend)
def marketing_spend(scope: KpiScope) -> Measured:
    total, campaigns = marketing_spend_total(scope)
    return Measured(value=total, sample_size=campaigns)


@computes("cac", records=spend_by_campaign)
@remembered
def cac(scope: KpiScope) -> Measured:
    """Marketing spend ÷ new customers; `fully_loaded` divides the P&L's operating expenses.

    New customers are the accounts whose first purchase falls in the period (a customer
    coming back is not acquired again).

    The fully loaded figure takes the operating expenses of the period's months from
    `financials` (marketing and the sales team's cost are in them); it is company-wide,
    so it is left out when the KPI is filtered.
    """
    spend, _ = marketing_spend_total(scope)
    new_customers = first_purchases_in_period(scope)
    details = {"marketing_spend": spend, "new_customers": new_customers, "fully_loaded": None}
    if not scope.filters:
        months = months_of(scope)
        row = scope.row(months.aggregate(months=months.count(), opex=months.opex.sum()))
        opex = as_float(row.get("opex")) if row.get("months") else None
        details["operating_expenses"] = opex
        details["fully_loaded"] = divide(opex, new_customers)
    return Measured(
        value=divide(spend, new_customers),
        numerator=spend,
        denominator=float(new_customers),
        sample_size=new_customers,
        details=details,
    )


def campaign_wins(scope: KpiScope) -> ir.Table:
    """Deals won in the period whose lead came from a campaign, amounts in base currency.

    In a breakdown the group comes from the lead (channel, campaign) or else the deal."""
    leads = scope.table("leads", only=CAMPAIGN_DIMENSIONS)
    lead_group = [key for key in scope.keys if key in leads.columns]
    leads = leads.filter(leads.campaign_id.notnull()).select("lead_id", "campaign_id", *lead_group)
    deals = scope.table("opportunities", ignore=CAMPAIGN_DIMENSIONS)
    won = deals.filter(
        deals.status == "won", deals.closed_at.notnull(), scope.within(deals.closed_at)
    )
    won = won.join(leads, "lead_id")
    return scope.to_base(
        won, ["amount"], day=won.closed_at.date(), source="opportunities", dated_by="closed_at"
    )


def _campaign_revenue_of(row: dict[str, Any]) -> Measured:
    return Measured(value=float(row.get("revenue") or 0.0), sample_size=int(row.get("deals") or 0))


def campaign_revenue_trend(scope: KpiScope, parts) -> list[Measured]:
    """Campaign revenue of each consecutive part, from one query."""
    won = campaign_wins(scope)
    sums = {"revenue": lambda t: t.amount.sum(), "deals": lambda t: t.count()}
    return [_campaign_revenue_of(row) for row in scope.per_part(won, "closed_at", parts, sums)]


@remembered
def campaign_revenue_by_group(scope: KpiScope) -> dict[Any, Measured]:
    won = campaign_wins(scope)
    rows = scope.summarise(won, revenue=won.amount.sum(), deals=won.count())
    return {group: _campaign_revenue_of(row) for group, row in rows.items()}


@computes(
    "campaign_revenue",
    records=campaign_wins,
    trend=campaign_revenue_trend,
    grouped=campaign_revenue_by_group,
)
def campaign_revenue(scope: KpiScope) -> Measured:
    return campaign_revenue_by_group(scope)[TOTAL]


@computes("roi", records=spend_by_campaign)
def roi(scope: KpiScope) -> Measured:
    # Seed 000: (revenue − cost) ÷ cost; 10,000 spent for 15,000 of revenue is 50 %.
    revenue = campaign_revenue(scope)
    spend, campaigns = marketing_spend_total(scope)
    gain = None if not spend else revenue.value - spend
    return Measured(
        value=divide(gain, spend),
        numerator=gain,
        denominator=spend,
        sample_size=campaigns,
        details={
            "campaign_revenue": revenue.value,
            "marketing_spend": spend,
            "deals": revenue.sample_size,
        },
    )


def list_events_in(scope: KpiScope) -> ir.Table:
    events = scope.table("list_events")
    return events.filter(scope.within(events.occurred_at))


@computes("list_growth_rate", records=list_events_in)
def list_growth_rate(scope: KpiScope) -> Measured:
    """Seed 002: (subscribers − unsubscribes) ÷ list size at the start; 450 ÷ 5,000 = 9 %."""
    events = scope.table("list_events")
    signed = ibis.ifelse(events.event == "subscribe", events["count"], -events["count"])
    before = events.occurred_at < scope.start
    during = scope.within(events.occurred_at)
    row = scope.row(
        events.aggregate(
            list_size=ibis.ifelse(before, signed, 0).sum(),
            subscribed=ibis.ifelse(
                during & (events.event == "subscribe"), events["count"], 0
            ).sum(),
            unsubscribed=ibis.ifelse(
                during & (events.event == "unsubscribe"), events["count"], 0
            ).sum(),
        )
    )
    size = float(row.get("list_size") or 0)
    subscribed, unsubscribed = int(row.get("subscribed") or 0), int(row.get("unsubscribed") or 0)
    net = float(subscribed - unsubscribed)
    return Measured(
        value=divide(net, size) if size > 0 else None,
        numerator=net,
        denominator=size,
        details={
            "subscribed": subscribed,
            "unsubscribed": unsubscribed,
            "list_size_at_start": size,
        },
    )
