"""Lost opportunities by reason: how many deals were lost, worth how much, and why.

A deal counts in the period it was closed (its `closed_at`, in the company's time zone).
A lost deal without a reason is shown as "(not given)" rather than dropped.
"""

from __future__ import annotations

import ibis
from ibis import _

from cruscotto.engine import Engine, Filters, Period, wilson_interval
from cruscotto.reports.deals import CLOSED, deals
from cruscotto.reports.periods import last_complete_month_of, trend_months
from cruscotto.reports.query import bucket, count_if, in_period
from cruscotto.reports.report import Column, Note, Report, ReportTable, local_dates

NOT_GIVEN = "(not given)"


def lost_opportunities(
    engine: Engine, period: Period | None = None, filters: Filters | None = None
) -> Report:
    period = period or last_complete_month_of(engine)
    tz = engine.tz
    all_deals = deals(engine, filters)
    closed = all_deals.filter(all_deals.status.isin(CLOSED))
    closed = closed.mutate(reason=ibis.coalesce(closed.lost_reason, NOT_GIVEN))
    in_scope = closed.filter(in_period(closed.closed_at, period, engine))
    lost = in_scope.filter(in_scope.status == "lost")

    totals = engine.execute(
        in_scope.aggregate(
            closed=_.count(),
            lost=count_if(_.status == "lost"),
            lost_value=ibis.cases((_.status == "lost", _.amount_base), else_=0.0).sum(),
        )
    ).iloc[0]
    lost_count, closed_count = int(totals.lost or 0), int(totals.closed or 0)
    lost_value = float(totals.lost_value or 0.0)

    by_reason = lost.group_by("reason").aggregate(count=_.count(), value=_.amount_base.sum())
    by_reason = by_reason.mutate(
        share=by_reason["count"].cast("float64") / lost_count
        if lost_count
        else ibis.null("float64"),
        value_share=by_reason.value / lost_value if lost_value else ibis.null("float64"),
    ).order_by([ibis.desc("count"), ibis.desc("value"), "reason"])

    months = trend_months(period)
    trend_window = closed.filter(closed.status == "lost").mutate(
        month=bucket(closed.closed_at, months, engine)
    )
    trend = (
        trend_window.filter(trend_window.month.notnull())
        .group_by(["month", "reason"])
        .aggregate(count=_.count(), value=_.amount_base.sum())
        .order_by(["month", ibis.desc("count"), "reason"])
    )
    lost_deals = engine.execute(lost.order_by([ibis.desc("closed_at"), "opportunity_id"]))
    lost_deals["closed_on"] = local_dates(lost_deals.closed_at, tz)

    facts = {
        "lost_count": lost_count,
        "lost_value": lost_value,
        "closed_count": closed_count,
        "months": [m.label for m in months],  # the trend's window, months without losses too
    }
    facts.update(_lost_rate(lost_count, closed_count))
    return Report(
        name="lost",
        title="Lost opportunities by reason",
        period=period,
        currency=engine.settings.base_currency,
        tables=[
            ReportTable(
                "reasons", "Lost deals by reason", REASON_COLUMNS, engine.execute(by_reason)
            ),
            ReportTable(
                "trend", "Lost deals by month and reason", TREND_COLUMNS, engine.execute(trend)
            ),
            ReportTable("deals", "Lost deals", DEAL_COLUMNS, lost_deals),
        ],
        notes=[
            Note.of(
                "lost_months",
                "A deal counts in the month it was closed; the trend covers {first} to {last}.",
                first=months[0].label,
                last=months[-1].label,
            )
        ],
        facts=facts,
        filters={k: list(v) for k, v in (filters or {}).items()},
    )


def _lost_rate(lost: int, closed: int) -> dict[str, float | None]:
    """Lost ÷ closed with its 95% Wilson interval; undefined (None) with nothing closed."""
    if not closed:
        return {"lost_rate": None, "lost_rate_ci_low": None, "lost_rate_ci_high": None}
    low, high = wilson_interval(lost, closed)
    return {"lost_rate": lost / closed, "lost_rate_ci_low": low, "lost_rate_ci_high": high}


REASON_COLUMNS = [
    Column("reason", "Reason"),
    Column("count", "Deals lost", "count"),
    Column("share", "Share of deals lost", "percent"),
    Column("value", "Value lost", "currency"),
    Column("value_share", "Share of value lost", "percent"),
]
TREND_COLUMNS = [
    Column("month", "Month"),
    Column("reason", "Reason"),
    Column("count", "Deals lost", "count"),
    Column("value", "Value lost", "currency"),
]
DEAL_COLUMNS = [
    Column("opportunity_id", "Deal"),
    Column("account", "Account"),
    Column("rep", "Rep"),
    Column("pipeline", "Pipeline"),
    Column("reason", "Reason"),
    Column("closed_on", "Closed", "date"),
    Column("amount", "Amount", "number"),
    Column("currency", "Currency"),
    Column("amount_base", "Value", "currency"),
    Column("owner_id", "Rep id"),
]
