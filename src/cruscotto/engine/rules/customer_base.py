"""The customer base of a scope (filters, breakdown) and how it moved in a period.

Who is a customer on a day is the one rule of `cruscotto.engine.rules.customers` (an active
contract, or else an invoice in the trailing months, judged per account).

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

from cruscotto.engine.functions.kpi_scope import KpiScope, remembered
from cruscotto.engine.rules.customers import covers, customer_spans


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole months, clamped to the month's end (31 Mar − 1 month → 28 Feb)."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = calendar.monthrange(year, month_index + 1)[1]
    return dt.date(year, month_index + 1, min(day.day, last))


def spans(scope: KpiScope) -> ir.Table:
    """The scope's `customer_spans` (filters applied; GROUP first in a breakdown)."""
    return customer_spans(
        scope.table("contracts"),
        scope.table("invoices"),
        scope.settings.customer_window_months,
        scope.keys,
        every_contract=scope.warehouse.table("contracts"),
    )


def customers_between(scope: KpiScope, first: dt.date, last: dt.date) -> ir.Table:
    """Distinct `account_id` of the accounts that were customers on some day of [first, last]
    (in a breakdown, distinct (GROUP, account_id): a customer of two products is in both)."""
    evidence = spans(scope)
    found = evidence.filter(covers(evidence, first, last))
    return found.select(*scope.keys, "account_id").distinct()


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
    """(account_id, was, now): 1 when a customer at the start / at the end, else null (in a
    breakdown, per (GROUP, account_id): an account can be a customer of one product only)."""
    before = customers_on(scope, scope.start - dt.timedelta(days=1))
    after = customers_on(scope, scope.last_day)
    one, none = ibis.literal(1, "int64"), ibis.null("int64")
    keys = [*scope.keys, "account_id"]
    tagged = ibis.union(
        before.select(*keys, was=one, now=none),
        after.select(*keys, was=none, now=one),
    )
    return tagged.group_by(keys).aggregate(was=tagged.was.max(), now=tagged.now.max())


def _movement_counts(per_account: ir.Table) -> dict[str, ir.Scalar]:
    """The aggregates of a CustomerMovement over accounts tagged `was` / `now`."""
    was, now = per_account.was, per_account.now
    return {
        "at_start": was.count(),
        "at_end": now.count(),
        "new": (was.isnull() & now.notnull()).sum(),
        "lost": (was.notnull() & now.isnull()).sum(),
    }


def _movement_of(row: dict[str, Any]) -> CustomerMovement:
    return CustomerMovement(
        **{k: int(row.get(k) or 0) for k in ("at_start", "at_end", "new", "lost")}
    )


NO_MOVEMENT = CustomerMovement(at_start=0, at_end=0, new=0, lost=0)


@remembered
def customer_movement_per_group(scope: KpiScope) -> dict[Any, CustomerMovement]:
    """Customers at the start and end of the scope's period, won and lost in between, for
    each group of a breakdown ({TOTAL: …} when not broken down; a group with no customer
    at either end is left out)."""
    per_account = customers_by_account(scope)
    rows = scope.summarise(per_account, **_movement_counts(per_account))
    return {group: _movement_of(row) for group, row in rows.items()}


def first_purchases(scope: KpiScope) -> ir.Table:
    """(account_id, since): the day each account of the scope became a customer (its first
    contract or invoice); in a breakdown, per (GROUP, account_id)."""
    evidence = spans(scope)
    return evidence.group_by([*scope.keys, "account_id"]).aggregate(since=evidence.since.min())


def company_first_purchases(scope: KpiScope) -> ir.Table:
    """(account_id, since): the day each account became a customer, from all the company's
    contracts and invoices whatever the filters (a filter by product or by the rep of an
    invoice does not move the day a customer was won)."""
    warehouse = scope.warehouse
    evidence = customer_spans(
        warehouse.table("contracts"),
        warehouse.table("invoices"),
        scope.settings.customer_window_months,
    )
    return evidence.group_by("account_id").aggregate(since=evidence.since.min())


def first_purchases_per_part(scope: KpiScope, parts) -> list[int]:
    """`first_purchases_by_group` of each consecutive part, from one query."""
    rows = scope.per_part(first_purchases(scope), "since", parts, {"n": lambda t: t.count()})
    return [int(row.get("n") or 0) for row in rows]


def first_purchases_by_group(scope: KpiScope) -> dict[Any, int]:
    """Accounts whose first contract started (or, without contracts, first invoice was
    issued) in the period: the customers acquired, as `customer_acquisition` counts them.
    {group: accounts}, {TOTAL: accounts} when not broken down."""
    since = first_purchases(scope)
    acquired = since.filter(scope.within(since.since))
    rows = scope.summarise(acquired, n=acquired.count())
    return {group: int(row.get("n") or 0) for group, row in rows.items()}


def customer_movements(
    scope: KpiScope, windows: list[tuple[dt.date, dt.date]]
) -> list[CustomerMovement]:
    """The customer movement of each [start, end) in `windows`, in one query.

    The customer base is taken once at every distinct boundary day (the day before a
    window, a window's last day); each window compares its two boundaries. The windows
    may be a trend's consecutive parts (the end of one is the start of the next) or
    overlap, as the twelve months ending with each month of a trend do.
    """
    starts = [start - dt.timedelta(days=1) for start, _ in windows]
    ends = [end - dt.timedelta(days=1) for _, end in windows]
    days = sorted(set(starts) | set(ends))
    moments = ibis.memtable(
        {"moment": list(range(len(days))), "at": days}, schema={"moment": "int64", "at": "date"}
    )
    evidence = spans(scope)
    # Only the evidence covering some day between the first and last boundary can cover
    # one: leave the rest out before multiplying it by the moments.
    evidence = evidence.filter(covers(evidence, days[0], days[-1]))
    timeline = evidence.cross_join(moments)
    present = timeline.filter(covers(timeline, timeline.at))
    present = present.select("moment", "account_id").distinct()
    bounds = ibis.memtable(
        {
            "window": list(range(len(windows))),
            "start_moment": [days.index(day) for day in starts],
            "end_moment": [days.index(day) for day in ends],
        },
        schema={"window": "int64", "start_moment": "int64", "end_moment": "int64"},
    )
    # Customers at the start and at the end are counts per moment; those kept (at both)
    # pair each window's start with its end by a join, not a grouping of every account:
    # new = at the end − kept, lost = at the start − kept.
    sizes = present.group_by("moment").aggregate(customers=present.count())
    at_start, at_end = sizes.view(), sizes.view()
    before = present.join(bounds, present.moment == bounds.start_moment)
    before = before.select("window", "account_id")
    after = present.join(bounds, present.moment == bounds.end_moment)
    after = after.select(kept_window="window", kept_account="account_id")
    both = before.join(
        after, [before.window == after.kept_window, before.account_id == after.kept_account]
    )
    kept = both.group_by(kept_window="window").aggregate(kept=both.count())
    joined = (
        bounds.left_join(at_start, bounds.start_moment == at_start.moment)
        .left_join(at_end, bounds.end_moment == at_end.moment)
        .left_join(kept, bounds.window == kept.kept_window)
    )
    totals = joined.select(
        "window",
        at_start=joined.customers.fill_null(0),
        at_end=joined.customers_right.fill_null(0),
        kept=joined.kept.fill_null(0),
    )
    rows = {int(r["window"]): r for r in scope.warehouse.execute(totals).to_dict("records")}
    return [_kept_movement(rows[i]) for i in range(len(windows))]


def _kept_movement(row: dict[str, Any]) -> CustomerMovement:
    at_start, at_end, kept = int(row["at_start"]), int(row["at_end"]), int(row["kept"])
    return CustomerMovement(
        at_start=at_start, at_end=at_end, new=at_end - kept, lost=at_start - kept
    )
