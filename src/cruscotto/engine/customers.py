"""Who is a customer, and since when (SPEC §2).

A customer is an account with an active contract on the day; for a company that keeps
no contracts, an account invoiced in the trailing N months (settings.customer_window_months).
An account becomes a customer on its first contract's start (or its first invoice).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import ibis.expr.types as ir

if TYPE_CHECKING:
    from cruscotto.engine.engine import Engine


def uses_contracts(engine: Engine) -> bool:
    """True when the company records contracts (then they define who is a customer)."""
    cached = getattr(engine, "_uses_contracts", None)
    if cached is None:
        cached = int(engine.execute(engine.table("contracts").count())) > 0
        engine._uses_contracts = cached
    return cached


def first_purchase(engine: Engine) -> ir.Table:
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


def customers_on(engine: Engine, day: dt.date) -> ir.Table:
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
