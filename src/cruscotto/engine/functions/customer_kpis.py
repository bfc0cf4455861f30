"""Customer-base KPIs: retention, churn, recurring revenue, lifetime value, engagement."""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
from typing import Any

import ibis
import ibis.expr.types as ir

from cruscotto.engine.functions.finance import invoiced
from cruscotto.engine.functions.kpi_scope import TOTAL, KpiScope, remembered
from cruscotto.engine.functions.measured import Measured, as_float, computes, divide, rate
from cruscotto.engine.rules.customer_base import (
    NO_MOVEMENT,
    CustomerMovement,
    add_months,
    customer_movement_per_group,
    customer_movements,
    customers_between,
    customers_by_account,
)
from cruscotto.engine.rules.parts import (
    Part,
    customers_in_parts,
    groups_per_part,
    parts_table,
    rows_per_part,
)
from cruscotto.engine.rules.recurring_revenue import (
    MrrMovement,
    mrr_by_account_movement,
    mrr_movement_per_group,
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


def _from_movements(kpi_id, measure, records, per_group, per_part) -> None:
    """Register KPI `kpi_id` as `measure` of a movement (of customers or of MRR): the
    movement of the whole scope, of each group (`per_group`) or of each part (`per_part`)."""
    computes(
        kpi_id,
        records=records,
        trend=lambda scope, parts: [measure(m) for m in per_part(scope, parts)],
        grouped=lambda scope: {group: measure(m) for group, m in per_group(scope).items()},
    )(lambda scope: measure(per_group(scope)[TOTAL]))


for _kpi_id, _measure in (("retention_rate", _retention), ("churn_rate", _churn)):
    _from_movements(
        _kpi_id, _measure, customers_by_account, customer_movement_per_group, customer_movements
    )


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
    # The start is the previous period's end (at its own rates); the rates' swing is a
    # movement of its own: start + currency effect + new + expansion − contraction −
    # churned = end.
    return Measured(
        value=moved.at_end,
        sample_size=int(moved.paying),
        details={
            "mrr_at_start": moved.reported_start,
            "currency_effect_mrr": moved.currency_effect,
            "new_mrr": moved.new,
            "expansion_mrr": moved.expansion,
            "contraction_mrr": moved.contraction,
            "churned_mrr": moved.churned,
        },
    )


for _kpi_id, _measure in (("revenue_churn", _revenue_churn), ("mrr", _mrr)):
    _from_movements(
        _kpi_id, _measure, mrr_by_account_movement, mrr_movement_per_group, mrr_movements
    )


def year_to(scope: KpiScope) -> KpiScope:
    """The twelve months ending with the scope's period."""
    return scope.at(add_months(scope.end, -12), scope.end)


def invoices_of_year(scope: KpiScope) -> ir.Table:
    return invoiced(year_to(scope))


def _purchases(invoices: ir.Table) -> dict[str, ir.Scalar]:
    """The invoice aggregates CLV is made of."""
    return {
        "revenue": invoices.amount.sum(),
        "margin": (invoices.amount - invoices.direct_cost.fill_null(0)).sum(),
        "purchases": invoices.count(),
    }


def _clv_of(purchases: dict[str, Any], customers: int, moved: CustomerMovement) -> Measured:
    """CLV from a year's `_purchases`, its customers (those on some day of it) and the
    customer movement over it: frequency and churn count the same customers (SPEC §2)."""
    revenue, margin = as_float(purchases.get("revenue")), as_float(purchases.get("margin"))
    count = int(purchases.get("purchases") or 0)
    annual_churn = divide(moved.lost, moved.at_start)
    lifetime_years = divide(1.0, annual_churn)
    yearly_value = divide(revenue, customers)
    details = {
        "mean_purchase_value": divide(revenue, count),
        "purchase_frequency": divide(count, customers),
        "customers": customers,
        "customer_value_per_year": yearly_value,
        "annual_churn": annual_churn,
        "lifetime_years": lifetime_years,
        "margin_clv": _times(divide(margin, customers), lifetime_years),
    }
    value = _times(yearly_value, lifetime_years)
    return Measured(value=value, sample_size=customers, details=details)


@remembered  # CLV÷CAC's breakdown asks it too: computed once per question
def _clv_per_group(scope: KpiScope) -> dict[Any, Measured]:
    """CLV of each group of a breakdown ({TOTAL: …} when not broken down)."""
    year = year_to(scope)
    invoices = invoiced(year)
    purchases = year.summarise(invoices, **_purchases(invoices))
    members = customers_between(year, year.start, year.last_day)
    customers = year.summarise(members, n=members.count())
    moved = customer_movement_per_group(year)
    return {
        group: _clv_of(
            purchases.get(group, {}),
            int(customers.get(group, {}).get("n") or 0),
            moved.get(group, NO_MOVEMENT),
        )
        for group in purchases.keys() | moved.keys() | customers.keys()
    }


def _clv_trend(scope: KpiScope, parts: list[tuple[dt.date, dt.date]]) -> list[Measured]:
    """CLV of each part, each over the twelve months ending with it, in two queries: the
    invoices' aggregates over every rolling year, and `customer_movements` of those years."""
    years = [(add_months(end, -12), end) for _, end in parts]
    rows = _purchases_per_year(scope, years)
    members = customers_in_parts(scope, years)
    counted = members.group_by("part").aggregate(n=members.count())
    customers = rows_per_part(scope, counted, len(years))
    moved = customer_movements(scope, years)
    return [_clv_of(rows[i], int(customers[i].get("n") or 0), moved[i]) for i in range(len(years))]


def _purchases_per_year(scope: KpiScope, years: list[tuple[dt.date, dt.date]]) -> list[dict]:
    """`_purchases` of each [start, end) in `years` (overlapping windows), from one query.

    The windows' bounds cut the span into segments, each invoice in one of them; a year is
    a run of consecutive segments. Sums add up per segment. An account is counted in a
    year by its first invoice there: the one whose previous invoice (in order of segment)
    is in a segment before the year, or that has none. Joining every invoice to each of
    the twelve years it falls in, to count distinct accounts, would take far longer.
    """
    bounds = sorted({day for year in years for day in year})
    invoices = invoiced(scope.at(bounds[0], bounds[-1]))
    segment = ibis.cases(
        *[
            ((invoices.issued_at >= start) & (invoices.issued_at < end), index)
            for index, (start, end) in enumerate(itertools.pairwise(bounds))
        ],
        else_=ibis.null("int64"),
    )
    invoices = invoices.mutate(segment=segment)
    invoices = invoices.filter(invoices.segment.notnull())
    windows = ibis.memtable(
        {
            "year": list(range(len(years))),
            "first": [bounds.index(start) for start, _ in years],
            "after": [bounds.index(end) for _, end in years],
        },
        schema={"year": "int64", "first": "int64", "after": "int64"},
    )
    per_segment = invoices.group_by("segment").aggregate(
        revenue=invoices.amount.sum(),
        margin=(invoices.amount - invoices.direct_cost.fill_null(0)).sum(),
        purchases=invoices.count(),
    )
    in_year = per_segment.join(
        windows,
        (per_segment.segment >= windows["first"]) & (per_segment.segment < windows.after),
    )
    totals = in_year.group_by("year").aggregate(
        revenue=in_year.revenue.sum(),
        margin=in_year.margin.sum(),
        purchases=in_year.purchases.sum(),
    )
    found = {int(r["year"]): r for r in scope.warehouse.execute(totals).to_dict("records")}
    return [found.get(i, {}) for i in range(len(years))]


@computes("clv", records=invoices_of_year, trend=_clv_trend, grouped=_clv_per_group)
@remembered(trend=_clv_trend)  # CLV÷CAC's trend asks each month's CLV
def clv(scope: KpiScope) -> Measured:
    """Mean purchase value × purchases per customer per year × lifetime in years.

    All three come from the twelve months ending with the period: mean purchase value =
    revenue ÷ invoice lines, frequency = invoice lines ÷ the customers of those months
    (accounts that were customers on some day of them), lifetime = 1 ÷ the share of the
    customers at their start lost by their end: one set of customers for both.
    """
    return _clv_per_group(scope)[TOTAL]


def _clv_to_cac_per_group(scope: KpiScope) -> dict[Any, Measured]:
    """CLV ÷ CAC of each group of a breakdown ({TOTAL: …} when not broken down)."""
    from cruscotto.engine.functions.marketing_kpis import (
        cac_by_group,  # one module per area; no cycle
    )

    lifetime, acquisition = _clv_per_group(scope), cac_by_group(scope)
    return {
        group: _clv_to_cac_of(lifetime.get(group), acquisition.get(group))
        for group in lifetime.keys() | acquisition.keys()
    }


def _clv_to_cac_of(lifetime: Measured | None, acquisition: Measured | None) -> Measured:
    """Gross-margin CLV ÷ fully loaded CAC: like with like (issue 17, item 7).

    The "CAC under a third of CLV" rule compares the margin a customer leaves with all
    it cost to win them (sales and marketing): the revenue CLV over marketing spend alone
    says a customer is worth a hundred times its cost. Both variants are in the details;
    without a P&L for the scope (filtered, broken down) the fully loaded CAC is unknown,
    and so is the ratio.
    """
    details = lifetime.details if lifetime else {}
    margin_clv, revenue_clv = details.get("margin_clv"), lifetime.value if lifetime else None
    marketing_cac = acquisition.value if acquisition else None
    loaded_cac = acquisition.details.get("fully_loaded") if acquisition else None
    return Measured(
        value=divide(margin_clv, loaded_cac),
        numerator=margin_clv,
        denominator=loaded_cac,
        # The customers behind the CLV: a group of a breakdown, whose ratio is unknown, is
        # still shown with its details.
        sample_size=lifetime.sample_size if lifetime else None,
        details={
            "margin_clv": margin_clv,
            "fully_loaded_cac": loaded_cac,
            "clv": revenue_clv,
            "cac": marketing_cac,
            "clv_to_marketing_cac": divide(revenue_clv, marketing_cac),
        },
    )


@computes("clv_to_cac", records=invoices_of_year, grouped=_clv_to_cac_per_group)
def clv_to_cac(scope: KpiScope) -> Measured:
    from cruscotto.engine.functions.marketing_kpis import (
        cac,  # one module per area; no cycle at import
    )

    return _clv_to_cac_of(clv(scope), cac(scope))


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
    # The customers carry every filter and the group (their account's channel, owner…):
    # an activity counts for the customer it concerns, whoever did it and whatever lead it
    # came from.
    activities = scope.table("activities", only=())
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
