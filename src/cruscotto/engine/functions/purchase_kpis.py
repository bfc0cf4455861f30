"""KPIs over each customer's purchase history: customers acquired, upsell, cross-sell,
net new revenue and repeat purchase value.

Who is a customer, and since when, is the one rule of `engine.customers`. What a
customer did before (its first purchase, its first invoice, the day it first paid more
or bought a second product) is read from the whole company's records: the filters pick
which customers or invoices are counted, never what came before them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import ibis.expr.types as ir

from cruscotto.engine.functions.finance import invoiced
from cruscotto.engine.functions.kpi_scope import TOTAL, KpiScope, Part
from cruscotto.engine.functions.measured import (
    Measured,
    as_float,
    computes,
    computes_summed,
    divide,
    rate,
)
from cruscotto.engine.rules.customer_base import (
    company_first_purchases,
    first_purchases,
    first_purchases_by_group,
    first_purchases_per_part,
)
from cruscotto.engine.rules.customers import second_product_since, upsold_since
from cruscotto.engine.rules.parts import customers_in_parts, groups_per_part, parts_table

# -- customers acquired ------------------------------------------------------------------


def _customers_before(scope: KpiScope, parts: list[Part]) -> list[dict[Any, int]]:
    """{group: customers on the day before the part starts} of each part, in one query."""
    days_before = [(start - dt.timedelta(days=1), start) for start, _ in parts]
    present = customers_in_parts(scope, days_before, on_last_day=True)
    query = present.group_by(["part", *scope.keys]).aggregate(n=present.count())
    return [
        {group: int(row.get("n") or 0) for group, row in groups.items()}
        for groups in groups_per_part(scope, query, len(parts))
    ]


def _acquisition(new: int, at_start: int) -> Measured:
    return Measured(
        new,
        sample_size=new,
        details={"customers_at_start": at_start, "acquisition_rate": divide(new, at_start)},
    )


def _acquisition_trend(scope: KpiScope, parts: list[Part]) -> list[Measured]:
    new, before = first_purchases_per_part(scope, parts), _customers_before(scope, parts)
    return [_acquisition(n, b.get(TOTAL, 0)) for n, b in zip(new, before, strict=True)]


def _acquisition_per_group(scope: KpiScope) -> dict[Any, Measured]:
    new = first_purchases_by_group(scope)
    (before,) = _customers_before(scope, [(scope.start, scope.end)])
    return {g: _acquisition(new.get(g, 0), before.get(g, 0)) for g in new.keys() | before.keys()}


def acquired_accounts(scope: KpiScope) -> ir.Table:
    """The accounts that became customers in the period, with the day they did (`since`)."""
    since = first_purchases(scope)
    new = since.filter(scope.within(since.since)).rename(new_account="account_id")
    accounts = scope.warehouse.table("accounts")
    joined = accounts.join(new, accounts.account_id == new.new_account)
    return joined.select(*accounts.columns, "since")


@computes(
    "customer_acquisition",
    records=acquired_accounts,
    trend=_acquisition_trend,
    grouped=_acquisition_per_group,
)
def customer_acquisition(scope: KpiScope) -> Measured:
    """Accounts whose first purchase (first contract started or, before any contract,
    first invoice issued) falls in the period, as CAC counts them; the details give them
    as a share of the customers on the day before the period."""
    return _acquisition_per_group(scope)[TOTAL]


# -- upsell and cross-sell ---------------------------------------------------------------

# When each account first qualified, from the whole company's contracts and invoices:
# (q_account, q_day).
QUALIFYING = {
    "upsold": lambda contracts, invoices: upsold_since(contracts, invoices).rename(
        q_account="account_id", q_day="upsold"
    ),
    "several_products": second_product_since,
}


def flagged_customers(scope: KpiScope, parts: list[Part], qualifying: str) -> ir.Table:
    """(part, *keys, account_id, qualifies): the customers on the last day of each part,
    and whether `qualifying` held for them by that day."""
    customers = customers_in_parts(scope, parts, on_last_day=True)
    days = parts_table(parts).select(day_part="part", day="part_last")
    dated = customers.join(days, customers.part == days.day_part)
    warehouse = scope.warehouse
    since = QUALIFYING[qualifying](warehouse.table("contracts"), warehouse.table("invoices"))
    joined = dated.left_join(since, dated.account_id == since.q_account)
    flag = (joined.q_day <= joined.day).fill_null(False)
    return joined.select("part", *scope.keys, "account_id", qualifies=flag)


def _shares(scope: KpiScope, parts: list[Part], qualifying: str) -> list[dict[Any, Measured]]:
    """{group: qualifying customers ÷ customers at the end} of each part, in one query."""
    flagged = flagged_customers(scope, parts, qualifying)
    query = flagged.group_by(["part", *scope.keys]).aggregate(
        customers=flagged.count(), hits=flagged.qualifies.sum()
    )
    return [
        {group: rate(row.get("hits"), row.get("customers")) for group, row in groups.items()}
        for groups in groups_per_part(scope, query, len(parts))
    ]


def _customers_flagged(qualifying: str):
    """The records behind a share: the accounts that are customers at the end of the
    period, `counted_in_numerator` when `qualifying` held for them."""

    def records(scope: KpiScope) -> ir.Table:
        flagged = flagged_customers(scope, [(scope.start, scope.end)], qualifying)
        flagged = flagged.select(flagged_account="account_id", counted_in_numerator="qualifies")
        accounts = scope.warehouse.table("accounts")
        joined = accounts.join(flagged, accounts.account_id == flagged.flagged_account)
        return joined.select(*accounts.columns, "counted_in_numerator")

    return records


def _share_of_customers(kpi_id: str, qualifying: str) -> None:
    """Register KPI `kpi_id`: customers at the end of the period for whom `qualifying`
    holds ÷ customers, for a period, a trend and a breakdown."""
    computes(
        kpi_id,
        records=_customers_flagged(qualifying),
        trend=lambda scope, parts: [g[TOTAL] for g in _shares(scope, parts, qualifying)],
        grouped=lambda scope: _shares(scope, [(scope.start, scope.end)], qualifying)[0],
    )(lambda scope: _shares(scope, [(scope.start, scope.end)], qualifying)[0][TOTAL])


# Paying more than at the first purchase (issue 17, item 3; see `upsold_since`).
_share_of_customers("upsell_rate", "upsold")
# Having bought more than one product or service (contracts and invoices together).
_share_of_customers("cross_sell_rate", "several_products")

# -- revenue over customer history -------------------------------------------------------


def _invoices_of(scope: KpiScope, parts: list[Part] | None) -> ir.Table:
    """The invoices of the period (of every part), amounts in the base currency."""
    return invoiced(scope if parts is None else scope.at(parts[0][0], parts[-1][1]))


def net_new_invoices(scope: KpiScope, parts: list[Part] | None = None) -> ir.Table:
    """The period's invoices to customers still within `net_new_window_months` of the day
    they became customers (the company's first purchase of the account)."""
    invoices = _invoices_of(scope, parts)
    since = company_first_purchases(scope).rename(since_account="account_id")
    joined = invoices.join(since, invoices.account_id == since.since_account)
    window = ibis.interval(months=scope.settings.net_new_window_months)
    return joined.filter(joined.issued_at < joined.since + window).select(*invoices.columns)


# Revenue invoiced in the period to customers in their first months as customers.
computes_summed(
    "net_new_revenue",
    net_new_invoices,
    "issued_at",
    {"revenue": lambda t: t.amount.sum(), "lines": lambda t: t.count()},
    # An invoice always has an amount (the schema requires one): a sum of none is 0.
    lambda row: Measured(float(row.get("revenue") or 0.0), sample_size=int(row.get("lines") or 0)),
    listed=net_new_invoices,
)


def first_invoices(invoices: ir.Table) -> ir.Table:
    """(first_account, first_invoice): each account's earliest invoice (the smallest id
    among those of its first day). Two aggregates, not a window over every invoice, so the
    cost does not grow with a sort of the whole history."""
    first_day = invoices.group_by(day_account="account_id").aggregate(
        first_day=invoices.issued_at.min()
    )
    on_first = invoices.join(
        first_day,
        [invoices.account_id == first_day.day_account, invoices.issued_at == first_day.first_day],
    )
    return on_first.group_by(first_account=on_first.account_id).aggregate(
        first_invoice=on_first.invoice_id.min()
    )


def repeat_invoices(scope: KpiScope, parts: list[Part] | None = None) -> ir.Table:
    """The period's invoices that are not their account's first (in the whole company)."""
    invoices = _invoices_of(scope, parts)
    firsts = first_invoices(scope.warehouse.table("invoices"))
    joined = invoices.join(firsts, invoices.account_id == firsts.first_account)
    return joined.filter(joined.invoice_id != joined.first_invoice).select(*invoices.columns)


# Mean amount of the period's invoices that are not the customer's first purchase.
computes_summed(
    "repeat_purchase_value",
    repeat_invoices,
    "issued_at",
    {"mean": lambda t: t.amount.mean(), "lines": lambda t: t.count()},
    lambda row: Measured(as_float(row.get("mean")), sample_size=int(row.get("lines") or 0)),
    listed=repeat_invoices,
)
