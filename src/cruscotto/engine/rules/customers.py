"""Who is a customer, and since when (SPEC §2): the one rule every KPI, report and model uses.

Each account is judged by its own evidence (issue 17, item 5):
  * from its first contract on, an account is a customer on day D when it has a contract
    active on D: started (start_date <= D), not cancelled (D < cancelled_at, the day the
    customer cancelled) and its term not over (D <= end_date, the last day of the term,
    which still counts);
  * an account without a contract yet (one that buys projects, say) is a customer on D
    when it was invoiced in the trailing `customer_window_months` months: an invoice
    issued on or before D and after the same date N months before D.
So an account that only buys projects is a customer in a company that also keeps
contracts, and an account whose last contract ended is lost that day, not N months after
its last invoice.

Every piece of evidence is a span of days, `since` to `through` (inclusive; open when
null), so that "customers on a day", "customers on some day of a range" and "customers at
each of many moments" are one overlap test. An account becomes a customer on its first
span's `since`.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir


def active_contracts(contracts: ir.Table, first, last=None) -> ir.BooleanValue:
    """Contracts running on at least one day of [first, last] (on day `first` alone when
    `last` is None): started by `last`, not cancelled by `first`, term not over before
    `first`. The bounds may be dates or date columns."""
    last = first if last is None else last
    return (
        (contracts.start_date <= last)
        & (contracts.cancelled_at.isnull() | (contracts.cancelled_at > first))
        & (contracts.end_date.isnull() | (contracts.end_date >= first))
    )


def customer_spans(
    contracts: ir.Table,
    invoices: ir.Table,
    window_months: int,
    keys: Sequence[str] = (),
    every_contract: ir.Table | None = None,
) -> ir.Table:
    """(*keys, account_id, since, through): the days each piece of evidence makes its
    account a customer, `through` inclusive and null when open-ended.

    A contract counts from its start to the day before it is cancelled or to its last day,
    whichever comes first; an invoice from its issue day to the day before the same date
    `window_months` later, or to the day before its account's first contract starts. A
    contract cancelled on its first day makes no customer. `every_contract` (the company's
    contracts, unfiltered; `contracts` by default) tells when each account signed first:
    a filter that hides an account's contracts does not make its invoices count.
    """
    day = ibis.interval(days=1)
    cancelled_last = contracts.cancelled_at - day
    through = ibis.cases(
        (contracts.cancelled_at.isnull(), contracts.end_date),
        (contracts.end_date.isnull(), cancelled_last),
        (cancelled_last < contracts.end_date, cancelled_last),
        else_=contracts.end_date,
    )
    by_contract = contracts.select(
        *keys,
        "account_id",
        since=contracts.start_date.cast("date"),
        through=through.cast("date"),
    )
    by_contract = by_contract.filter(
        by_contract.through.isnull() | (by_contract.through >= by_contract.since)
    )
    signed_from = contracts if every_contract is None else every_contract
    dated = _with_first_contract(invoices, signed_from)
    issued = dated.issued_at.cast("date")
    window_end = issued + ibis.interval(months=window_months) - day
    before_contract = dated.signed - day
    by_invoice = dated.select(
        *keys,
        "account_id",
        since=issued,
        through=ibis.cases(
            (dated.signed.notnull() & (before_contract < window_end), before_contract),
            else_=window_end,
        ).cast("date"),
    )
    by_invoice = by_invoice.filter(by_invoice.through >= by_invoice.since)
    spans = _union(by_contract, by_invoice)
    return spans.filter(spans.account_id.notnull())


def _with_first_contract(invoices: ir.Table, contracts: ir.Table) -> ir.Table:
    """`invoices` with `signed`: the start of their account's first contract (null if none)."""
    signed = contracts.group_by(signed_account="account_id").aggregate(
        signed=contracts.start_date.min()
    )
    joined = invoices.left_join(signed, invoices.account_id == signed.signed_account)
    return joined.drop("signed_account")


def covers(spans: ir.Table, first, last=None) -> ir.BooleanValue:
    """Spans that make their account a customer on some day of [first, last] (on `first`
    alone when `last` is None); the bounds may be dates or date columns."""
    last = first if last is None else last
    return (spans.since <= last) & (spans.through.isnull() | (spans.through >= first))


def upsold_since(contracts: ir.Table, invoices: ir.Table) -> ir.Table:
    """(account_id, upsold): the first day each account paid more than at its first purchase.

    Upsell is buying more, not buying again (issue 17, item 3). With contracts, what a
    customer pays is its MRR: the day a later contract starts, the MRR of its contracts
    running that day is compared with the MRR it started with (the contracts running at the
    end of its first contract's start day). A contract that replaces another on the same
    day (the old one cancelled that day) counts by what it brings: an upgrade when the MRR
    after the swap is higher, a downgrade (not an upsell) otherwise. With invoices (one-off
    purchases), a later day's invoices worth more than the first day's are an upsell.
    Amounts are compared in the records' own currency, so an exchange-rate swing is never
    an upsell. Accounts never upsold are left out.
    """
    first = contracts.group_by(first_account="account_id").aggregate(
        first_day=contracts.start_date.min()
    )
    with_first = contracts.join(first, contracts.account_id == first.first_account)
    # Each contract start after the first day is a moment at which the MRR is compared.
    starts = with_first.filter(with_first.start_date > with_first.first_day)
    moments = starts.select("account_id", "first_day", at=starts.start_date).distinct()
    moments = _union(
        moments, first.select(account_id="first_account", first_day="first_day", at="first_day")
    )
    running = contracts.view()
    paying = moments.join(
        running,
        (moments.account_id == running.account_id) & active_contracts(running, moments.at),
    )
    mrr_at = paying.group_by([paying.account_id, paying.first_day, paying.at]).aggregate(
        mrr=paying.mrr.sum()
    )
    started = mrr_at.filter(mrr_at.at == mrr_at.first_day).select(
        start_account="account_id", start_mrr="mrr"
    )
    later = mrr_at.join(started, mrr_at.account_id == started.start_account)
    raised = later.filter(later.at > later.first_day, later.mrr > later.start_mrr)
    by_contracts = raised.group_by("account_id").aggregate(upsold=raised.at.min())

    dated = _with_first_contract(invoices, contracts)
    one_off = dated.filter(dated.signed.isnull() | (dated.issued_at.cast("date") < dated.signed))
    per_day = one_off.group_by(
        [one_off.account_id, one_off.issued_at.cast("date").name("day")]
    ).aggregate(paid=one_off.amount.sum())
    first_paid = per_day.group_by(first_account="account_id").aggregate(first_day=per_day.day.min())
    opening = per_day.join(
        first_paid,
        (per_day.account_id == first_paid.first_account) & (per_day.day == first_paid.first_day),
    ).select(opening_account="account_id", opening_day="day", opening_paid="paid")
    after = per_day.join(opening, per_day.account_id == opening.opening_account)
    bigger = after.filter(after.day > after.opening_day, after.paid > after.opening_paid)
    by_invoices = bigger.group_by("account_id").aggregate(upsold=bigger.day.min())

    both = _union(by_contracts, by_invoices)
    both = both.filter(both.account_id.notnull())
    return both.group_by("account_id").aggregate(upsold=both.upsold.min())


def _union(*tables: ir.Table) -> ir.Table:
    """The union of `tables` with the same columns, whatever their columns' nullability
    (a NOT NULL column of one source and a nullable one of another do not union in Ibis)."""
    schema = tables[0].schema()
    loose = {name: dtype.copy(nullable=True) for name, dtype in schema.items()}
    return ibis.union(*(t.select(**{n: t[n].cast(d) for n, d in loose.items()}) for t in tables))


def second_product_since(contracts: ir.Table, invoices: ir.Table) -> ir.Table:
    """(q_account, q_day): the day each account first had bought a second distinct product."""
    purchases = _union(
        contracts.select("account_id", "product", day=contracts.start_date),
        invoices.select("account_id", "product", day=invoices.issued_at.cast("date")),
    )
    purchases = purchases.filter(purchases["product"].notnull())
    firsts = purchases.group_by(["account_id", "product"]).aggregate(first=purchases.day.min())
    # More than one product by a moment <=> the account's second first-purchase day (in
    # order of day) is on or before it: one row per account, not one per account and moment.
    ranked = firsts.mutate(
        rank=ibis.row_number().over(group_by=firsts.account_id, order_by=firsts["first"])
    )
    return ranked.filter(ranked["rank"] == 1).select(q_account="account_id", q_day="first")
