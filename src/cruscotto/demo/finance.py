"""Closing the books: the monthly P&L from the invoices, and the reps' monthly forecasts."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from cruscotto.demo import columns as col
from cruscotto.demo.run import FINANCE, Run
from cruscotto.demo.timeline import DAY, HOUR

DELIVERY_OVERHEAD = 0.04  # cogs beyond the invoices' direct cost, share of revenue
EBITDA_MARGIN = (0.17, 0.27)  # drawn per month; August loses a few points
AUGUST_MARGIN_LOSS = 0.05
DEPRECIATION, AMORTIZATION, INTEREST = 0.012, 0.004, 0.003  # shares of revenue
TAX_RATE = 0.24  # IRES
FORECAST_ERROR = 0.25  # log-scale spread of a rep's forecast around what they then won


def write_financials(run: Run) -> None:
    """One row per complete month of the window; revenue is exactly the invoiced amount."""
    rng = run.rng(FINANCE, 0)
    tl = run.timeline
    months = tl.n_months - 1
    revenue = np.round(run.ledger.revenue[:months], 2)
    cogs = np.round(run.ledger.direct_cost[:months] + DELIVERY_OVERHEAD * revenue, 2)
    first_days = tl.local_day(tl.month_starts[:months])
    august = np.array([str(np.datetime64(int(d), "D"))[5:7] == "08" for d in first_days])
    margin = rng.uniform(*EBITDA_MARGIN, months) - AUGUST_MARGIN_LOSS * august
    opex = np.round(revenue - cogs - margin * revenue, 2)
    ebitda = revenue - cogs - opex
    depreciation, amortization, interest = (
        np.round(r * revenue, 2) for r in (DEPRECIATION, AMORTIZATION, INTEREST)
    )
    taxes = np.round(np.maximum(ebitda - depreciation - amortization - interest, 0) * TAX_RATE, 2)
    run.sink.write(
        "financials",
        pa.table(
            {
                "month": col.dates(first_days),
                "revenue": col.numbers(revenue),
                "cogs": col.numbers(cogs),
                "opex": col.numbers(opex),
                "depreciation": col.numbers(depreciation),
                "amortization": col.numbers(amortization),
                "interest": col.numbers(interest),
                "taxes": col.numbers(taxes),
            }
        ),
    )


def write_forecasts(run: Run) -> None:
    """Each seller forecasts the month on its second day; the current and next month too.

    A forecast is what the rep then really won (the simulation knows the future) give
    or take a rep's usual error, so forecast accuracy is meaningful and varies by rep.
    """
    rng = run.rng(FINANCE, 1)
    tl = run.timeline
    sellers = np.concatenate([run.staff.by_role["ae"], run.staff.by_role["account_manager"]])
    months = np.arange(tl.n_months + 1)
    rep, month = np.repeat(sellers, len(months)), np.tile(months, len(sellers))
    submitted = tl.month_starts[month] + DAY + 9 * HOUR + rng.integers(0, 8 * HOUR, len(rep))
    # Next month's forecast is submitted at the end of the current one, if that is past.
    submitted = np.where(month == tl.n_months, tl.month_starts[month] - 2 * DAY, submitted)
    keep = (submitted < tl.cutoff) & (submitted < run.staff.left_at[rep])  # leavers stop
    rep, month, submitted = rep[keep], month[keep], submitted[keep]
    actual = run.ledger.won_by_rep[rep, month]
    amount = np.round(actual * np.exp(FORECAST_ERROR * rng.standard_normal(len(rep))), -2)
    labels = [str(np.datetime64(int(d), "D"))[:7] for d in tl.local_day(tl.month_starts[month])]
    run.sink.write(
        "forecasts",
        pa.table(
            {
                "rep_id": col.ids("R", rep),
                "period": pa.array(labels, pa.string()),
                "amount": col.numbers(amount),
                "submitted_at": col.timestamps(submitted),
            }
        ),
    )
