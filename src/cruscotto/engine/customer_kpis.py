"""Customer-base KPIs: retention, churn, recurring revenue, lifetime value, engagement."""

from __future__ import annotations

import calendar
import datetime as dt

import ibis.expr.types as ir

from cruscotto.engine.customer_base import (
    CustomerMovement,
    add_months,
    customer_movement,
    customer_movements,
    customers_by_account,
)
from cruscotto.engine.kpi_scope import TOTAL, KpiScope, remembered
from cruscotto.engine.measured import Measured, as_float, computes, divide, rate
from cruscotto.engine.parts import Part, customers_in_parts, groups_per_part, parts_table
from cruscotto.engine.recurring_revenue import (
    MrrMovement,
    mrr_by_account_movement,
    mrr_movement,
    mrr_movements,
)


def _retention(moved: CustomerMovement) -> Measured:
    # (customers at end − new customers) ÷ customers at start: the customers kept.
    return rate(
        moved.at_end - moved.new,
        moved.at_start,
        customers_at_start=moved.at_start,
        customers_at_end=moved.at_end,
        new_customers=moved.new,
        lost_customers=moved.lost,
    )


def _churn(moved: CustomerMovement) -> Measured:
    return rate(
        moved.lost,
        moved.at_start,
        customers_at_start=moved.at_start,
        customers_at_end=moved.at_end,
        new_customers=moved.new,
    )


@computes(
    "retention_rate",
    records=customers_by_account,
    trend=lambda scope, parts: [_retention(m) for m in customer_movements(scope, parts)],
)
def retention_rate(scope: KpiScope) -> Measured:
    return _retention(customer_movement(scope))


@computes(
    "churn_rate",
    records=customers_by_account,
    trend=lambda scope, parts: [_churn(m) for m in customer_movements(scope, parts)],
)
def churn_rate(scope: KpiScope) -> Measured:
    return _churn(customer_movement(scope))


def _revenue_churn(moved: MrrMovement) -> Measured:
    return Measured(
        value=divide(moved.churned, moved.at_start),
        numerator=moved.churned,
        denominator=moved.at_start,
        details={
            "mrr_at_start": moved.at_start,
            "mrr_at_end": moved.at_end,
            "contraction_mrr": moved.contraction,
            "gross_revenue_churn": divide(moved.churned + moved.contraction, moved.at_start),
            "net_revenue_retention": divide(moved.net_retained, moved.at_start),
        },
    )


def _mrr(moved: MrrMovement) -> Measured:
    return Measured(
        value=moved.at_end,
        sample_size=int(moved.paying),
        details={
            "mrr_at_start": moved.at_start,
            "new_mrr": moved.new,
            "expansion_mrr": moved.expansion,
            "contraction_mrr": moved.contraction,
            "churned_mrr": moved.churned,
        },
    )


@computes(
    "revenue_churn",
    records=mrr_by_account_movement,
    trend=lambda scope, parts: [_revenue_churn(m) for m in mrr_movements(scope, parts)],
)
def revenue_churn(scope: KpiScope) -> Measured:
    return _revenue_churn(mrr_movement(scope))


@computes(
    "mrr",
    records=mrr_by_account_movement,
    trend=lambda scope, parts: [_mrr(m) for m in mrr_movements(scope, parts)],
)
def mrr(scope: KpiScope) -> Measured:
    return _mrr(mrr_movement(scope))


def year_to(scope: KpiScope) -> KpiScope:
    """The twelve months ending with the scope's period."""
    return scope.at(add_months(scope.end, -12), scope.end)


def invoices_of_year(scope: KpiScope) -> ir.Table:
    year = year_to(scope)
    invoices = year.table("invoices")
    invoices = invoices.filter(year.within(invoices.issued_at))
    return year.to_base(
        invoices,
        ["amount", "direct_cost"],
        day=invoices.issued_at,
        source="invoices",
        dated_by="issued_at",
    )


@computes("clv", records=invoices_of_year)
@remembered
def clv(scope: KpiScope) -> Measured:
    """Seed 002: mean purchase value × purchases per customer per year × lifetime in years.

    All three come from the twelve months ending with the period: mean purchase value =
    revenue ÷ invoice lines, frequency = invoice lines ÷ customers invoiced, lifetime =
    1 ÷ the share of customers lost over those twelve months.
    """
    year = year_to(scope)
    invoices = invoices_of_year(scope)
    row = year.row(
        invoices.aggregate(
            revenue=invoices.amount.sum(),
            margin=(invoices.amount - invoices.direct_cost.fill_null(0)).sum(),
            purchases=invoices.count(),
            customers=invoices.account_id.nunique(),
        )
    )
    revenue, margin = as_float(row.get("revenue")), as_float(row.get("margin"))
    purchases, customers = int(row.get("purchases") or 0), int(row.get("customers") or 0)
    moved = customer_movement(year)
    annual_churn = divide(moved.lost, moved.at_start)
    lifetime_years = divide(1.0, annual_churn)
    yearly_value = divide(revenue, customers)
    details = {
        "mean_purchase_value": divide(revenue, purchases),
        "purchase_frequency": divide(purchases, customers),
        "customer_value_per_year": yearly_value,
        "annual_churn": annual_churn,
        "lifetime_years": lifetime_years,
        "margin_clv": _times(divide(margin, customers), lifetime_years),
    }
    value = _times(yearly_value, lifetime_years)
    return Measured(value=value, sample_size=customers, details=details)


@computes("clv_to_cac", records=invoices_of_year)
def clv_to_cac(scope: KpiScope) -> Measured:
    from cruscotto.engine.marketing_kpis import cac  # one module per area; no cycle at import

    lifetime_value, acquisition_cost = clv(scope).value, cac(scope).value
    return Measured(
        value=divide(lifetime_value, acquisition_cost),
        numerator=lifetime_value,
        denominator=acquisition_cost,
        details={"clv": lifetime_value, "cac": acquisition_cost},
    )


def months_in(start: dt.date, end: dt.date) -> float:
    """Length of [start, end) in calendar months: each month counts its share of days."""
    months, day = 0.0, start
    while day < end:
        days_in_month = calendar.monthrange(day.year, day.month)[1]
        month_end = dt.date(day.year, day.month, days_in_month) + dt.timedelta(days=1)
        stop = min(end, month_end)
        months += (stop - day).days / days_in_month
        day = stop
    return months


def _interactions(scope: KpiScope, parts: list[Part], customers: ir.Table) -> ir.Table:
    """Each part's activities with the accounts that were `customers` in it, with the part
    and (in a breakdown) the customer's group."""
    ignored = ("rep", "team")
    activities = scope.table("activities", ignore=ignored)
    if scope.applies_by(ignore=ignored):
        activities = activities.drop(*scope.keys)  # the customers carry the group
    spans = parts_table(
        parts,
        part_from=lambda start, end: scope.utc(start),
        part_to=lambda start, end: scope.utc(end),
    )
    in_part = activities.join(
        spans,
        (activities.occurred_at >= spans.part_from) & (activities.occurred_at < spans.part_to),
    )
    joined = in_part.join(customers, ["part", "account_id"])
    return joined.select("part", *scope.keys, *activities.columns)


def customer_interactions(scope: KpiScope) -> ir.Table:
    """The period's activities with the accounts that were customers in it."""
    parts = [(scope.start, scope.end)]
    customers = customers_in_parts(scope, parts)
    return _interactions(scope, parts, customers).drop("part")


def _engagement_rates(scope: KpiScope, parts: list[Part]) -> list[dict[str | None, Measured]]:
    """{group: engagement rate} of each part, from one query."""
    customers = customers_in_parts(scope, parts)
    activities = _interactions(scope, parts, customers)
    keys = ["part", *scope.keys, "account_id"]
    per_account = activities.group_by(keys).aggregate(interactions=activities.count())
    joined = customers.left_join(per_account, keys)
    query = joined.group_by(["part", *scope.keys]).aggregate(
        active=joined.count(),
        engaged=joined.interactions.count(),
        interactions=joined.interactions.sum(),
    )
    return [
        {group: _engagement_of(row, months_in(start, end)) for group, row in rows.items()}
        for (start, end), rows in zip(parts, groups_per_part(scope, query, len(parts)), strict=True)
    ]


def _engagement_of(row: dict[str, object], months: float) -> Measured:
    active = int(row.get("active") or 0)
    interactions, engaged = int(row.get("interactions") or 0), int(row.get("engaged") or 0)
    share = rate(engaged, active)
    return Measured(
        value=divide(interactions, active * months),
        numerator=float(interactions),
        denominator=float(active),
        sample_size=active,
        details={
            "months": months,
            "customers_engaged": engaged,
            "share_engaged": share.value,
            "share_engaged_ci": [share.ci_low, share.ci_high],
        },
    )


@computes(
    "engagement_rate",
    records=customer_interactions,
    trend=lambda scope, parts: [groups[TOTAL] for groups in _engagement_rates(scope, parts)],
    grouped=lambda scope: _engagement_rates(scope, [(scope.start, scope.end)])[0],
)
def engagement_rate(scope: KpiScope) -> Measured:
    """Interactions per customer per month, over the customers active in the period.

    Every activity with a customer's account counts (meetings, e-mails, calls, chats,
    demos…), whoever did it: a rep filter picks the customers the rep owns.
    """
    return _engagement_rates(scope, [(scope.start, scope.end)])[0][TOTAL]


def _times(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a * b
