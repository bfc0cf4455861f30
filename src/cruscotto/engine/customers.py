"""Who is a customer, and since when (SPEC §2).

A customer is an account with an active contract on the day; for a company that keeps
no contracts, an account invoiced in the trailing N months (settings.customer_window_months).
An account becomes a customer on its first contract's start (or its first invoice).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

if TYPE_CHECKING:
    from cruscotto.engine.context import EngineContext


def uses_contracts(engine: EngineContext) -> bool:
    """True when the company records contracts (then they define who is a customer).

    Asked once per question: contracts imported later change the answer."""
    facts = engine.batch_facts()
    if facts is not None and "uses_contracts" in facts:
        return facts["uses_contracts"]
    answer = int(engine.execute(engine.table("contracts").count())) > 0
    if facts is not None:
        facts["uses_contracts"] = answer
    return answer


def first_purchase(engine: EngineContext) -> ir.Table:
    """(account_id, since): the day each account became a customer."""
    if uses_contracts(engine):
        contracts = engine.table("contracts")
        return contracts.group_by("account_id").aggregate(since=contracts.start_date.min())
    invoices = engine.table("invoices")
    return invoices.group_by("account_id").aggregate(since=invoices.issued_at.min())


def active_contracts(contracts: ir.Table, on: dt.date | ir.Value) -> ir.BooleanValue:
    """Contracts running on day `on`: started, not cancelled before, term not over.

    A contract cancelled on a day no longer counts that day; its end_date is its last day.
    """
    return (
        (contracts.start_date <= on)
        & (contracts.cancelled_at.isnull() | (contracts.cancelled_at > on))
        & (contracts.end_date.isnull() | (contracts.end_date >= on))
    )


def customers_on(engine: EngineContext, day: dt.date) -> ir.Table:
    """(account_id) of the customers on `day`, one row each."""
    if uses_contracts(engine):
        contracts = engine.table("contracts")
        return contracts.filter(active_contracts(contracts, day)).select("account_id").distinct()
    invoices = engine.table("invoices")
    window_start = _months_before(day, engine.settings.customer_window_months)
    recent = invoices.filter(invoices.issued_at > window_start, invoices.issued_at <= day)
    return recent.select("account_id").distinct()


def _months_before(day: dt.date, months: int) -> dt.date:
    from cruscotto.engine.period import _add_months

    return _add_months(day, -months)


def at_moments(engine: EngineContext, moments: ir.Table, products: bool = False) -> ir.Table:
    """The customers at each moment of `moments` (columns `_key`, `at`), in one query.

    Columns: _key, customer_id, purchases (contracts started — or invoices issued, without
    contracts — by `at`) and, with `products`, `several_products`: whether they had bought
    more than one distinct product by then (contracts and invoices together).
    """
    key = moments.columns[0]
    # A record not yet bought at a moment is neither active nor a purchase then: leaving it
    # out keeps the accounts that had bought nothing yet out of the grouping.
    if uses_contracts(engine):
        contracts = engine.table("contracts")
        timeline = contracts.cross_join(moments)
        timeline = timeline.filter(timeline.start_date <= timeline.at)
        active = active_contracts(timeline, timeline.at)
    else:
        invoices = engine.table("invoices")
        timeline = invoices.cross_join(moments)
        timeline = timeline.filter(timeline.issued_at <= timeline.at)
        months = engine.settings.customer_window_months
        active = timeline.issued_at > timeline.at - ibis.interval(months=months)
    per_account = timeline.group_by(
        [timeline[key], timeline.account_id.name("customer_id")]
    ).aggregate(active=timeline.count(where=active), purchases=timeline.count())
    found = per_account.filter(per_account.active > 0).drop("active")
    if not products:
        return found
    contracts, invoices = engine.table("contracts"), engine.table("invoices")
    purchases = contracts.select("account_id", "product", day=contracts.start_date).union(
        invoices.select("account_id", "product", day=invoices.issued_at)
    )
    purchases = purchases.filter(purchases["product"].notnull())
    firsts = purchases.group_by(["account_id", "product"]).aggregate(first=purchases.day.min())
    # More than one product by a moment <=> the account's second first-purchase day (in
    # order of day) is on or before it: one row per account, not one per account and moment.
    ranked = firsts.mutate(
        rank=ibis.row_number().over(group_by=firsts.account_id, order_by=firsts["first"])
    )
    second = ranked.filter(ranked["rank"] == 1).select(
        p_account="account_id", second_product="first"
    )
    dated = found.join(moments.view(), key)
    joined = dated.left_join(second, dated.customer_id == second.p_account)
    several = (joined.second_product <= joined.at).fill_null(False)
    return joined.select(key, "customer_id", "purchases", several_products=several)
