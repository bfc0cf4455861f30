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

from cruscotto.engine.functions.finance import months_window, pnl_per_window
from cruscotto.engine.functions.kpi_scope import TOTAL, KpiScope, remembered
from cruscotto.engine.functions.measured import Measured, as_float, computes, divide, known_total
from cruscotto.engine.question.timebounds import local_day
from cruscotto.engine.rules.customer_base import first_purchases_by_group, first_purchases_per_part
from cruscotto.engine.rules.parts import parts_table, rows_per_part

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
    """(campaign_id, channel, spend) with each campaign's spend that falls in the period
    (and GROUP in a breakdown)."""
    running = _campaigns_in_base(scope, scope.start, scope.last_day)
    share = _spend_share(
        running, ibis.literal(scope.start, "date"), ibis.literal(scope.last_day, "date")
    )
    return running.select("campaign_id", "channel", *scope.keys, spend=share)


def _spend_of(row: dict[str, Any]) -> Measured:
    return Measured(
        value=float(row.get("spend") or 0.0), sample_size=int(row.get("campaigns") or 0)
    )


def spend_trend(scope: KpiScope, parts) -> list[Measured]:
    """Marketing spend of each consecutive part, from one query."""
    running = _campaigns_in_base(scope, parts[0][0], parts[-1][1] - dt.timedelta(days=1))
    timeline = running.cross_join(parts_table(parts))
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
    return [_spend_of(row) for row in rows_per_part(scope, totals, len(parts))]


@remembered
def spend_by_group(scope: KpiScope) -> dict[Any, Measured]:
    """Marketing spend of each group (sample: the campaigns running), shared by
    marketing_spend, CAC and ROI."""
    spend = spend_by_campaign(scope)
    rows = scope.summarise(spend, spend=spend.spend.sum(), campaigns=spend.count())
    return {group: _spend_of(row) for group, row in rows.items()}


@computes("marketing_spend", records=spend_by_campaign, trend=spend_trend, grouped=spend_by_group)
def marketing_spend(scope: KpiScope) -> Measured:
    return spend_by_group(scope)[TOTAL]


def _company_wide(scope: KpiScope) -> bool:
    """Neither filtered nor broken down: the P&L, which is not split, applies."""
    return not scope.filters and scope.by is None


def _cac_of(spend: float, new_customers: int, pnl: dict[str, Any] | None) -> Measured:
    """CAC from the spend and customers acquired, fully loaded with the P&L's row of the
    period when it applies (None otherwise)."""
    details = {"marketing_spend": spend, "new_customers": new_customers, "fully_loaded": None}
    if pnl is not None:
        opex = as_float(pnl.get("opex")) if pnl.get("months") else None
        details["operating_expenses"] = opex
        details["fully_loaded"] = divide(opex, new_customers)
    return Measured(
        value=divide(spend, new_customers),
        numerator=spend,
        denominator=float(new_customers),
        sample_size=new_customers,
        details=details,
    )


def cac_trend(scope: KpiScope, parts) -> list[Measured]:
    """CAC of each consecutive part: three queries (spend, first purchases, P&L)."""
    spend = spend_trend(scope, parts)
    acquired = first_purchases_per_part(scope, parts)
    windows = [months_window(start, end) for start, end in parts]
    pnl = pnl_per_window(scope, windows) if _company_wide(scope) else [None] * len(parts)
    return [
        _cac_of(cost.value, customers, row)
        for cost, customers, row in zip(spend, acquired, pnl, strict=True)
    ]


@remembered
def cac_by_group(scope: KpiScope) -> dict[Any, Measured]:
    spend = spend_by_group(scope)
    acquired = first_purchases_by_group(scope)
    window = months_window(scope.start, scope.end)
    pnl = pnl_per_window(scope, [window])[0] if _company_wide(scope) else None
    return {
        group: _cac_of((spend.get(group) or _spend_of({})).value, acquired.get(group, 0), pnl)
        for group in spend.keys() | acquired.keys()
    }


# Remembered with its trend form: clv_to_cac, run once per month of a trend, gets every
# month's CAC from the first.
@computes("cac", records=spend_by_campaign, trend=cac_trend, grouped=cac_by_group)
@remembered(trend=cac_trend)
def cac(scope: KpiScope) -> Measured:
    """Marketing spend ÷ new customers; `fully_loaded` divides the P&L's operating expenses.

    New customers are the accounts whose first purchase falls in the period (a customer
    coming back is not acquired again).

    The fully loaded figure takes the operating expenses of the period's months from
    `financials` (marketing and the sales team's cost are in them); it is company-wide,
    so it is left out when the KPI is filtered or broken down.
    """
    return cac_by_group(scope)[TOTAL]


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
        won, ["amount"], day=won.closed_at, source="opportunities", dated_by="closed_at"
    )


def _campaign_revenue_of(row: dict[str, Any]) -> Measured:
    # Won deals without an amount are counted apart: unknown, not 0 (details["unknown"]).
    revenue, details = known_total(row.get("revenue"), row.get("unknown"))
    return Measured(value=revenue, sample_size=int(row.get("deals") or 0), details=details)


# Revenue, deals and deals of unknown amount, as functions of a table of won deals.
WON_AMOUNTS = {
    "revenue": lambda t: t.amount.sum(),
    "deals": lambda t: t.count(),
    "unknown": lambda t: t.count(where=t.amount.isnull()),
}


def campaign_revenue_trend(scope: KpiScope, parts) -> list[Measured]:
    """Campaign revenue of each consecutive part, from one query."""
    whole = scope.at(parts[0][0], parts[-1][1])
    won = campaign_wins(whole)
    rows = whole.per_part(won, "closed_at", parts, WON_AMOUNTS)
    return [_campaign_revenue_of(row) for row in rows]


@remembered
def campaign_revenue_by_group(scope: KpiScope) -> dict[Any, Measured]:
    won = campaign_wins(scope)
    rows = scope.summarise(won, **{k: f(won) for k, f in WON_AMOUNTS.items()})
    return {group: _campaign_revenue_of(row) for group, row in rows.items()}


@computes(
    "campaign_revenue",
    records=campaign_wins,
    trend=campaign_revenue_trend,
    grouped=campaign_revenue_by_group,
)
def campaign_revenue(scope: KpiScope) -> Measured:
    return campaign_revenue_by_group(scope)[TOTAL]


# How long after a cohort's last campaign ends its deals are still coming in: the sales
# cycle of a campaign lead, as the lead-to-customer rate's maturity.
ROI_MATURITY_DAYS = 90


def campaign_cohort(scope: KpiScope) -> ir.Table:
    """The campaigns started in the period, their whole spend in the base currency at
    their first day's rate (and GROUP in a breakdown by channel or campaign)."""
    campaigns = scope.table("campaigns")
    started = campaigns.filter(scope.within(campaigns.started_at))
    return scope.to_base(
        started, ["spend"], day=started.started_at, source="campaigns", dated_by="started_at"
    )


def cohort_wins(scope: KpiScope) -> ir.Table:
    """The deals won so far from the leads of the period's campaign cohort, whenever they
    closed, amounts in the base currency at their closing day's rate (GROUP from the
    campaign, and its start in `cohort_started_at`)."""
    cohort = campaign_cohort(scope).select(
        *scope.keys, cohort_campaign="campaign_id", cohort_started_at="started_at"
    )
    leads = scope.warehouse.table("leads")
    leads = leads.filter(leads.campaign_id.notnull()).select(
        won_lead="lead_id", lead_campaign="campaign_id"
    )
    deals = scope.warehouse.table("opportunities")
    now = ibis.literal(scope.now, "timestamp")
    won = deals.filter(deals.status == "won", deals.closed_at.notnull(), deals.closed_at <= now)
    won = won.join(leads, won.lead_id == leads.won_lead).join(
        cohort, leads.lead_campaign == cohort.cohort_campaign
    )
    won = won.drop("won_lead", "lead_campaign")
    return scope.to_base(
        won, ["amount"], day=won.closed_at, source="opportunities", dated_by="closed_at"
    )


# What a campaign cohort spent: its whole spend, its campaigns and when the last one ended.
COHORT_SPEND = {
    "spend": lambda t: t.spend.sum(),
    "campaigns": lambda t: t.count(),
    "last_end": lambda t: t.ended_at.fill_null(t.started_at).max(),
}


def roi_by_group(scope: KpiScope) -> dict[Any, Measured]:
    """ROI of the period's campaign cohort, per group (issue 17, item 9).

    Spend and revenue belong to the same campaigns: those started in the period, with
    their whole spend and the deals their leads brought whenever they closed (so far).
    The cohort is maturing until ROI_MATURITY_DAYS after its last campaign ends.
    """
    cohort = campaign_cohort(scope)
    spent = scope.summarise(cohort, **{k: f(cohort) for k, f in COHORT_SPEND.items()})
    wins = cohort_wins(scope)
    brought = scope.summarise(wins, **{k: f(wins) for k, f in WON_AMOUNTS.items()})
    today = local_day(scope.now, scope.tz)
    return {
        group: _cohort_roi_of(spent.get(group, {}), brought.get(group, {}), today)
        for group in spent.keys() | brought.keys()
    }


def roi_trend(scope: KpiScope, parts) -> list[Measured]:
    """ROI of each consecutive part's campaign cohort (the campaigns started in it), from
    one query for the spend and one for the revenue: a two-year history asked the two
    queries of `roi_by_group` per month before."""
    whole = scope.at(parts[0][0], parts[-1][1])
    spent = whole.per_part(campaign_cohort(whole), "started_at", parts, COHORT_SPEND)
    brought = whole.per_part(cohort_wins(whole), "cohort_started_at", parts, WON_AMOUNTS)
    today = local_day(scope.now, scope.tz)
    return [_cohort_roi_of(s, b, today) for s, b in zip(spent, brought, strict=True)]


def _cohort_roi_of(spend_row: dict, revenue_row: dict, today: dt.date) -> Measured:
    return _cohort_roi(
        revenue=revenue_row.get("revenue"),
        deals=int(revenue_row.get("deals") or 0),
        unknown=revenue_row.get("unknown"),
        spend=float(spend_row.get("spend") or 0.0),
        campaigns=int(spend_row.get("campaigns") or 0),
        last_end=spend_row.get("last_end"),
        today=today,
    )


def _cohort_roi(revenue, deals, spend, campaigns, last_end, today, unknown=0) -> Measured:
    # (revenue − cost) ÷ cost; 10,000 spent for 15,000 of revenue is 50 %. Won deals
    # without an amount are counted apart; when no won deal knows its amount the
    # revenue, and so the ROI, is unknown rather than −100 %.
    revenue, unknown_details = known_total(revenue, unknown)
    gain = revenue - spend if spend and revenue is not None else None
    matures = None
    if last_end is not None:
        last_end = last_end.date() if hasattr(last_end, "date") else last_end
        matures = last_end + dt.timedelta(days=ROI_MATURITY_DAYS)
    return Measured(
        value=divide(gain, spend),
        numerator=gain,
        denominator=spend,
        sample_size=campaigns,
        maturing=matures is not None and matures > today,
        details={
            "campaign_revenue": revenue,
            "marketing_spend": spend,
            "deals": deals,
            **unknown_details,
        },
    )


@computes("roi", records=campaign_cohort, trend=roi_trend, grouped=roi_by_group)
def roi(scope: KpiScope) -> Measured:
    return roi_by_group(scope).get(TOTAL) or _cohort_roi(0.0, 0, 0.0, 0, None, None)


def list_events_in(scope: KpiScope) -> ir.Table:
    events = scope.table("list_events")
    return events.filter(scope.within(events.occurred_at))


def list_growth_trend(scope: KpiScope, parts) -> list[Measured]:
    """List growth of each part, from one query: each part sees the events before it (the
    list size at its start) and those in it."""
    timeline = scope.table("list_events").cross_join(parts_table(parts))
    timeline = timeline.filter(timeline.occurred_at < timeline.part_end)
    count, kind = timeline["count"], timeline.event
    before = timeline.occurred_at < timeline.part_start
    totals = timeline.group_by("part").aggregate(
        list_size=ibis.ifelse(before, ibis.ifelse(kind == "subscribe", count, -count), 0).sum(),
        subscribed=ibis.ifelse(~before & (kind == "subscribe"), count, 0).sum(),
        unsubscribed=ibis.ifelse(~before & (kind == "unsubscribe"), count, 0).sum(),
    )
    return [_list_growth_of(row) for row in rows_per_part(scope, totals, len(parts))]


def _list_growth_of(row: dict[str, Any]) -> Measured:
    """Seed 002: (subscribers − unsubscribes) ÷ list size at the start; 450 ÷ 5,000 = 9 %."""
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


@computes("list_growth_rate", records=list_events_in, trend=list_growth_trend)
def list_growth_rate(scope: KpiScope) -> Measured:
    return list_growth_trend(scope, [(scope.start, scope.end)])[0]
