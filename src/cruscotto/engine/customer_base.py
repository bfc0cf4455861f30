"""Who is a customer on a given day (SPEC §2), and how the customer base moved in a period.

A customer is an account with an active contract on the day. A company that keeps no
contracts at all counts instead the accounts invoiced in the trailing
`customer_window_months` months (the day itself included).

A contract is active on day D when start_date <= D, D <= end_date (the last day of its
term, when it has one) and D < cancelled_at (the day the customer cancelled).

The base "at the start" of a period is the one on the last day before the period, and
"at the end" the one on its last day; so the end of one month is the start of the next,
and every customer won or lost is counted in exactly one period.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir

from cruscotto.engine.kpi_scope import KpiScope, remembered


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole months, clamped to the month's end (31 Mar − 1 month → 28 Feb)."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = calendar.monthrange(year, month_index + 1)[1]
    return dt.date(year, month_index + 1, min(day.day, last))


def uses_contracts(scope: KpiScope) -> bool:
    return scope.has_rows("contracts")


def active_contracts(contracts: ir.Table, first: dt.date, last: dt.date) -> ir.Table:
    """Contracts active on at least one day of [first, last]."""
    return contracts.filter(
        contracts.start_date <= last,
        contracts.end_date.isnull() | (contracts.end_date >= first),
        contracts.cancelled_at.isnull() | (contracts.cancelled_at > first),
    )


def customers_between(scope: KpiScope, first: dt.date, last: dt.date) -> ir.Table:
    """Distinct `account_id` of the accounts that were customers on some day of [first, last]
    (in a breakdown, distinct (GROUP, account_id): a customer of two products is in both)."""
    if uses_contracts(scope):
        active = active_contracts(scope.table("contracts"), first, last)
        return active.select(*scope.keys, "account_id").distinct()
    invoices = scope.table("invoices")
    window_start = add_months(first, -scope.settings.customer_window_months)
    invoiced = invoices.filter(invoices.issued_at > window_start, invoices.issued_at <= last)
    return invoiced.select(*scope.keys, "account_id").distinct()


def customers_on(scope: KpiScope, day: dt.date) -> ir.Table:
    return customers_between(scope, day, day)


@dataclass(frozen=True)
class CustomerMovement:
    at_start: int
    at_end: int
    new: int
    lost: int

    @property
    def retained(self) -> int:
        return self.at_start - self.lost


def customers_by_account(scope: KpiScope) -> ir.Table:
    """(account_id, was, now): 1 when a customer at the start / at the end, else null."""
    before = customers_on(scope, scope.start - dt.timedelta(days=1))
    after = customers_on(scope, scope.last_day)
    one, none = ibis.literal(1, "int64"), ibis.null("int64")
    tagged = ibis.union(
        before.select("account_id", was=one, now=none),
        after.select("account_id", was=none, now=one),
    )
    return tagged.group_by("account_id").aggregate(was=tagged.was.max(), now=tagged.now.max())


@remembered
def customer_movement(scope: KpiScope) -> CustomerMovement:
    """Customers at the start and end of the scope's period, won and lost in between."""
    per_account = customers_by_account(scope)
    totals = per_account.aggregate(
        at_start=per_account.was.count(),
        at_end=per_account.now.count(),
        new=(per_account.was.isnull() & per_account.now.notnull()).sum(),
        lost=(per_account.was.notnull() & per_account.now.isnull()).sum(),
    )
    row = scope.row(totals)
    return CustomerMovement(
        **{k: int(row.get(k) or 0) for k in ("at_start", "at_end", "new", "lost")}
    )


def _first_purchases(scope: KpiScope) -> ir.Table:
    """(account_id, since): the day of each account's first contract (or, without
    contracts, first invoice); in a breakdown, per (GROUP, account_id)."""
    if uses_contracts(scope):
        records, day = scope.table("contracts"), "start_date"
    else:
        records, day = scope.table("invoices"), "issued_at"
    return records.group_by([*scope.keys, "account_id"]).aggregate(since=records[day].min())


def first_purchases_per_part(scope: KpiScope, parts) -> list[int]:
    """`first_purchases_by_group` of each consecutive part, from one query."""
    rows = scope.per_part(_first_purchases(scope), "since", parts, {"n": lambda t: t.count()})
    return [int(row.get("n") or 0) for row in rows]


def first_purchases_by_group(scope: KpiScope) -> dict[Any, int]:
    """Accounts whose first contract started (or, without contracts, first invoice was
    issued) in the period: the customers acquired, as `customer_acquisition` counts them.
    {group: accounts}, {TOTAL: accounts} when not broken down."""
    since = _first_purchases(scope)
    acquired = since.filter(scope.within(since.since))
    rows = scope.summarise(acquired, n=acquired.count())
    return {group: int(row.get("n") or 0) for group, row in rows.items()}


def customer_movements(
    scope: KpiScope, parts: list[tuple[dt.date, dt.date]]
) -> list[CustomerMovement]:
    """`customer_movement` of each consecutive [start, end) in `parts`, in one query.

    The customer base is taken at every boundary (the day before the first part, then
    the last day of each part); part i compares boundary i with boundary i + 1.
    """
    days = [parts[0][0] - dt.timedelta(days=1)] + [end - dt.timedelta(days=1) for _, end in parts]
    moments = ibis.memtable(
        {"moment": list(range(len(days))), "at": days}, schema={"moment": "int64", "at": "date"}
    )
    if uses_contracts(scope):
        contracts = scope.table("contracts")
        timeline = contracts.cross_join(moments)
        running = (
            (timeline.start_date <= timeline.at)
            & (timeline.end_date.isnull() | (timeline.end_date >= timeline.at))
            & (timeline.cancelled_at.isnull() | (timeline.cancelled_at > timeline.at))
        )
        present = timeline.filter(running)
    else:
        invoices = scope.table("invoices")
        timeline = invoices.cross_join(moments)
        window = ibis.interval(months=scope.settings.customer_window_months)
        present = timeline.filter(
            timeline.issued_at > timeline.at - window, timeline.issued_at <= timeline.at
        )
    present = present.select("moment", "account_id").distinct()
    one, none = ibis.literal(1, "int64"), ibis.null("int64")
    last = len(parts)
    tagged = ibis.union(
        present.filter(present.moment < last).select(
            "account_id", part=present.moment, was=one, now=none
        ),
        present.filter(present.moment >= 1).select(
            "account_id", part=present.moment - 1, was=none, now=one
        ),
    )
    per_account = tagged.group_by(["part", "account_id"]).aggregate(
        was=tagged.was.max(), now=tagged.now.max()
    )
    totals = per_account.group_by("part").aggregate(
        at_start=per_account.was.count(),
        at_end=per_account.now.count(),
        new=(per_account.was.isnull() & per_account.now.notnull()).sum(),
        lost=(per_account.was.notnull() & per_account.now.isnull()).sum(),
    )
    rows = {int(r["part"]): r for r in scope.warehouse.execute(totals).to_dict("records")}
    fields = ("at_start", "at_end", "new", "lost")
    return [
        CustomerMovement(**{k: int(rows[i][k] or 0) if i in rows else 0 for k in fields})
        for i in range(len(parts))
    ]
