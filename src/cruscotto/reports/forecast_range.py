"""The forecast as a range: simulate which open deals are won, many times over.

Each open deal is won with its close probability, independently of the others, and then
brings its value in its close month. Over DRAWS simulated futures the 10th, 50th and 90th
percentiles of the total won per month (and per quarter, on top of what is already won in
it) are P10 / P50 / P90: in nine futures out of ten the result is above P10. The draws use
a fixed seed, so the same data gives the same range.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DRAWS = 2000
SEED = 20260101
CHUNK = 250  # draws simulated at a time (memory: CHUNK × deals booleans)


def simulated_totals(amounts: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """DRAWS simulated totals of won value for deals with these amounts and probabilities."""
    amounts = np.nan_to_num(np.asarray(amounts, dtype="float64"))
    probabilities = np.nan_to_num(np.asarray(probabilities, dtype="float64"))
    rng = np.random.default_rng(SEED)
    totals = np.empty(DRAWS)
    for start in range(0, DRAWS, CHUNK):
        size = min(CHUNK, DRAWS - start)
        won = rng.random((size, len(amounts))) < probabilities
        totals[start : start + size] = won @ amounts
    return totals


def percentiles(totals: np.ndarray) -> dict[str, float]:
    p10, p50, p90 = np.percentile(totals, [10, 50, 90]) if len(totals) else (0.0, 0.0, 0.0)
    return {"p10": float(p10), "p50": float(p50), "p90": float(p90)}


def monthly_ranges(deals: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """Per month label: P10, P50, P90 of the value won among `deals` (month, amount_base,
    probability) closing in it. A deal with no probability (nothing to learn from) counts
    as not won in every draw, like its weighted value counts as nothing."""
    rows = []
    for month in months:
        inside = deals[deals.month == month]
        totals = simulated_totals(inside.amount_base.to_numpy(), inside.probability.to_numpy())
        rows.append({"month": month, **percentiles(totals)})
    return pd.DataFrame(rows, columns=["month", "p10", "p50", "p90"])
