"""Recurring contracts and their monthly invoices: churn, contraction and the bills."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from cruscotto.demo import columns as col
from cruscotto.demo import company as co
from cruscotto.demo.run import Run
from cruscotto.demo.timeline import DAY

MONTH = 30.44 * DAY


@dataclass(frozen=True)
class Contracts:
    """Contracts as signed; `ends_at` is when the customer leaves (maybe after today)."""

    numbers: np.ndarray
    account: np.ndarray
    start: np.ndarray
    ends_at: np.ndarray
    mrr: np.ndarray  # in the contract currency
    currency: np.ndarray


def sign(
    run: Run,
    rng: np.random.Generator,
    *,
    account: np.ndarray,
    product: np.ndarray,
    start: np.ndarray,
    mrr: np.ndarray,
    currency: np.ndarray,
    rep: np.ndarray,
    ends_at: np.ndarray | None = None,
) -> Contracts:
    """Write contracts (and their invoices); without `ends_at`, each may churn on its own.

    A few contracts are downgraded mid-life: the old one is cancelled and a cheaper one
    starts the same day (contraction), so the customer stays while the MRR falls.
    """
    tl = run.timeline
    n = len(account)
    if ends_at is None:
        # Churn is memoryless from the later of signature and the window start (the
        # customers signed before the window are the ones who were still there).
        at_risk_from = np.maximum(start, tl.start)
        ends_at = at_risk_from + (rng.exponential(1 / co.MONTHLY_CANCEL_HAZARD, n) * MONTH).astype(
            np.int64
        )
    life_end = np.minimum(ends_at, tl.cutoff)
    downgraded_at = start + (rng.uniform(0.2, 0.8, n) * (life_end - start)).astype(np.int64)
    downgraded = (rng.random(n) < co.DOWNGRADE_SHARE) & (downgraded_at - start > MONTH)
    downgraded &= (downgraded_at >= tl.start) & (downgraded_at < tl.cutoff)
    d = np.nonzero(downgraded)[0]
    numbers = run.numbering.take("contract", n + len(d))
    segments = Contracts(
        numbers=numbers,
        account=np.concatenate([account, account[d]]),
        start=np.concatenate([start, downgraded_at[d]]),
        ends_at=np.concatenate([np.where(downgraded, downgraded_at, ends_at), ends_at[d]]),
        mrr=np.concatenate([mrr, np.round(mrr[d] * rng.uniform(0.5, 0.8, len(d)), 0)]),
        currency=np.concatenate([currency, currency[d]]),
    )
    reason = np.concatenate(
        [
            np.where(downgraded, len(co.CANCEL_REASONS), co.pick(rng, co.CANCEL_REASON_SHARE, n)),
            co.pick(rng, co.CANCEL_REASON_SHARE, len(d)),
        ]
    )
    products = np.concatenate([product, product[d]])
    _write(run, segments, products, reason)
    # The replacement is not billed at signature: the old contract's bill on the first of
    # the month already covers it, and the new price starts with the next month's bill.
    billed_at_signature = np.arange(n + len(d)) < n
    invoice(run, rng, segments, products, np.concatenate([rep, rep[d]]), billed_at_signature)
    return Contracts(numbers[:n], account, start, ends_at, mrr, currency)


def _write(run: Run, c: Contracts, product: np.ndarray, reason: np.ndarray) -> None:
    tl = run.timeline
    cancelled = c.ends_at < tl.cutoff
    start_day = tl.local_day(c.start)
    # Terms renew yearly: a live contract's term ends on the first anniversary after today.
    terms = np.ceil((tl.cutoff - c.start) / (365 * DAY)).clip(min=1)
    end_day = np.where(
        cancelled,
        tl.local_day(np.minimum(c.ends_at, tl.cutoff)),
        start_day + 365 * terms.astype(np.int64),
    )
    run.sink.write(
        "contracts",
        pa.table(
            {
                "contract_id": col.ids("K", c.numbers),
                "account_id": col.ids("A", c.account),
                "product": col.labels(co.PRODUCTS, product),
                "start_date": col.dates(start_day),
                "end_date": col.dates(end_day),
                "mrr": col.numbers(c.mrr, decimals=0),
                "currency": col.labels(co.CURRENCIES, c.currency),
                "cancelled_at": col.dates(end_day, cancelled),
                "cancel_reason": col.labels(
                    (*co.CANCEL_REASONS, co.DOWNGRADE_REASON), reason, cancelled
                ),
            }
        ),
    )


def invoice(
    run: Run,
    rng: np.random.Generator,
    c: Contracts,
    product: np.ndarray,
    rep: np.ndarray,
    billed_at_signature: np.ndarray,
) -> None:
    """One invoice at signature (where `billed_at_signature`), then one on the first of
    every month the contract runs."""
    tl = run.timeline
    stop = np.minimum(c.ends_at, tl.cutoff)
    first = np.searchsorted(tl.month_starts, c.start, side="right")
    last = np.searchsorted(tl.month_starts, stop, side="left")
    monthly = np.maximum(last - first, 0)
    of = np.repeat(np.arange(len(c.numbers)), monthly)
    offset = np.arange(len(of)) - np.repeat(np.cumsum(monthly) - monthly, monthly)
    signed = np.nonzero(billed_at_signature)[0]
    issued = np.concatenate([c.start[signed], tl.month_starts[first[of] + offset]])
    of = np.concatenate([signed, of])
    inside = issued >= tl.start  # the bills before the window are not in the data
    issued, of = issued[inside], of[inside]
    write_invoices(
        run,
        rng,
        account=c.account[of],
        issued=issued,
        product=product[of],
        amount=c.mrr[of],
        currency=c.currency[of],
        rep=rep[of],
    )


def write_invoices(
    run: Run,
    rng: np.random.Generator,
    *,
    account: np.ndarray,
    issued: np.ndarray,
    product: np.ndarray,
    amount: np.ndarray,
    currency: np.ndarray,
    rep: np.ndarray,
) -> None:
    """Invoice lines with their direct cost; their totals go to the monthly P&L."""
    tl = run.timeline
    amount = np.round(amount, 2)
    cost = np.round(amount * rng.uniform(0.42, 0.62, len(amount)), 2)
    run.ledger.book_invoices(
        tl.month_of(issued),
        run.fx.to_base(amount, currency, issued),
        run.fx.to_base(cost, currency, issued),
    )
    run.sink.write(
        "invoices",
        pa.table(
            {
                "invoice_id": col.ids("I", run.numbering.take("invoice", len(amount))),
                "account_id": col.ids("A", account),
                "issued_at": col.dates(tl.local_day(issued)),
                "product": col.labels(co.PRODUCTS, product),
                "amount": col.numbers(amount),
                "direct_cost": col.numbers(cost),
                "currency": col.labels(co.CURRENCIES, currency),
                "rep_id": col.ids("R", rep),
            }
        ),
    )
