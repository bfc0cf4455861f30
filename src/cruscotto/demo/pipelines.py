"""Deals moving through a sales pipeline's stages, simulated past today and cut at today.

A deal's whole life is drawn at once (its outcome, the stage where a lost deal drops
out, the days spent in each stage); what the CRM shows today is that life seen from the
cutoff: stages entered so far, and won/lost only if the close already happened. So stage
history always ends at the current stage, and open deals have a real (hidden) future
that the forecast can be checked against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from cruscotto.demo import columns as col
from cruscotto.demo.company import CURRENCIES, LOST_REASONS, PRODUCTS, pick
from cruscotto.demo.timeline import DAY, Timeline


@dataclass(frozen=True)
class Pipeline:
    name: str
    stages: tuple[str, ...]  # open stages, in order
    median_days: tuple[float, ...]  # typical time spent in each
    lost_at_share: tuple[float, ...]  # where lost deals drop out
    probability: tuple[float, ...]  # the CRM's close probability at each open stage
    forecast_category: tuple[str, ...]

    @property
    def labels(self) -> tuple[str, ...]:
        return (*self.stages, "won", "lost")


NEW_BUSINESS = Pipeline(
    "New business",
    ("qualification", "discovery", "proposal", "negotiation"),
    (7.0, 14.0, 16.0, 10.0),
    (0.30, 0.30, 0.25, 0.15),
    (0.10, 0.25, 0.50, 0.75),
    ("pipeline", "pipeline", "best_case", "commit"),
)
RENEWALS = Pipeline(
    "Renewals/Upsell",
    ("identified", "proposal", "negotiation"),
    (10.0, 12.0, 8.0),
    (0.35, 0.40, 0.25),
    (0.30, 0.60, 0.80),
    ("pipeline", "best_case", "commit"),
)
LOST_LINGER = 2.0  # time a lost deal spends in its last stage, × the usual
# Story line: new-business proposals take ever longer in the last months (a bottleneck).
BOTTLENECK = (NEW_BUSINESS.name, "proposal")
BOTTLENECK_MONTHS = 9
BOTTLENECK_SLOWDOWN = 2.5  # time in proposal is this many times longer by today


@dataclass(frozen=True)
class Deals:
    pipeline: Pipeline
    entered: np.ndarray  # (deals, open stages) second each stage was entered; -1 never
    closes_at: np.ndarray  # simulated close, possibly after today
    won: np.ndarray  # simulated outcome
    cutoff: int

    @property
    def closed(self) -> np.ndarray:
        return self.closes_at < self.cutoff

    @property
    def won_now(self) -> np.ndarray:
        return self.won & self.closed

    @property
    def stage_now(self) -> np.ndarray:
        """Index into `pipeline.labels` of each deal's current stage."""
        k = len(self.pipeline.stages)
        reached = (self.entered >= 0) & (self.entered < self.cutoff)
        last_open = reached.sum(axis=1) - 1
        return np.where(self.closed, np.where(self.won, k, k + 1), last_open)

    def reached(self, stage: str) -> np.ndarray:
        """Second each deal entered `stage` (-1 if it never did, in its whole life)."""
        return self.entered[:, self.pipeline.stages.index(stage)]


def simulate(
    rng: np.random.Generator,
    timeline: Timeline,
    pipeline: Pipeline,
    created: np.ndarray,
    won: np.ndarray,
) -> Deals:
    n, k = len(created), len(pipeline.stages)
    last_stage = np.where(won, k - 1, pick(rng, pipeline.lost_at_share, n))
    days = np.asarray(pipeline.median_days) * np.exp(0.6 * rng.standard_normal((n, k)))
    # A deal that will be lost lingers in the stage where it dies (no extra random draw).
    lost = ~np.asarray(won, dtype=bool)
    days[lost, last_stage[lost]] *= LOST_LINGER
    entered = np.full((n, k), -1, dtype=np.int64)
    closes_at = np.zeros(n, dtype=np.int64)
    moment = np.asarray(created, dtype=np.int64).copy()
    for s, stage in enumerate(pipeline.stages):
        here = s <= last_stage
        entered[here, s] = moment[here]
        stay = days[:, s] * DAY
        if (pipeline.name, stage) == BOTTLENECK:
            stay = stay * _slowdown(timeline, moment)
        moment = moment + (0.25 * DAY + stay).astype(np.int64)
        closes_at[s == last_stage] = moment[s == last_stage]
    return Deals(pipeline, entered, closes_at, np.asarray(won, dtype=bool), timeline.cutoff)


def _slowdown(timeline: Timeline, entered: np.ndarray) -> np.ndarray:
    onset = timeline.month_starts[timeline.n_months - 1 - BOTTLENECK_MONTHS]
    ramp = np.clip((entered - onset) / (timeline.cutoff - onset), 0.0, 1.0)
    return 1.0 + (BOTTLENECK_SLOWDOWN - 1.0) * ramp


def stage_history(numbers: np.ndarray, deals: Deals) -> pa.Table:
    """One row per stage each deal entered before today, ending with won/lost if closed."""
    seen = (deals.entered >= 0) & (deals.entered < deals.cutoff)
    row, stage = np.nonzero(seen)
    closed = np.nonzero(deals.closed)[0]
    k = len(deals.pipeline.stages)
    deal = np.concatenate([row, closed])
    stages = np.concatenate([stage, np.where(deals.won[closed], k, k + 1)])
    moments = np.concatenate([deals.entered[row, stage], deals.closes_at[closed]])
    order = np.lexsort((moments, deal))
    return pa.table(
        {
            "opportunity_id": col.ids("O", numbers[deal[order]]),
            "stage": col.labels(deals.pipeline.labels, stages[order]),
            "entered_at": col.timestamps(moments[order]),
        }
    )


def opportunities(
    rng: np.random.Generator,
    timeline: Timeline,
    deals: Deals,
    *,
    numbers: np.ndarray,
    account: np.ndarray,
    lead: np.ndarray | None,
    owner: np.ndarray,
    amount: np.ndarray,
    currency: np.ndarray,
    product: np.ndarray,
    lost_reason: np.ndarray,
) -> pa.Table:
    """The deals as the CRM shows them today (amount in the deal's own currency)."""
    n = len(numbers)
    k = len(deals.pipeline.stages)
    stage = deals.stage_now
    open_ = ~deals.closed
    probability = np.select(
        [stage == k, stage == k + 1],
        [1.0, 0.0],
        np.asarray(deals.pipeline.probability)[np.minimum(stage, k - 1)],
    )
    category = np.select([stage == k, stage == k + 1], [k, k + 1], np.minimum(stage, k - 1))
    categories = (*deals.pipeline.forecast_category, "closed", "omitted")
    # The rep's guess of the close date: the real one, give or take a couple of weeks.
    expected = deals.closes_at + (rng.normal(0, 12, n) * DAY).astype(np.int64)
    expected = np.maximum(expected, deals.entered[:, 0] + DAY)
    lost = deals.closed & ~deals.won
    return pa.table(
        {
            "opportunity_id": col.ids("O", numbers),
            "account_id": col.ids("A", account),
            "lead_id": col.ids(
                "L",
                lead if lead is not None else np.zeros(n),
                None if lead is not None else np.zeros(n, bool),
            ),
            "owner_id": col.ids("R", owner),
            "pipeline": col.labels((deals.pipeline.name,), np.zeros(n)),
            "stage": col.labels(deals.pipeline.labels, stage),
            "amount": col.numbers(amount),
            "currency": col.labels(CURRENCIES, currency),
            "product": col.labels(PRODUCTS, product),
            "created_at": col.timestamps(deals.entered[:, 0]),
            "expected_close_date": col.dates(timeline.local_day(expected)),
            "closed_at": col.timestamps(deals.closes_at, ~open_),
            "status": col.labels(("open", "won", "lost"), np.select([open_, deals.won], [0, 1], 2)),
            "lost_reason": col.labels(LOST_REASONS, lost_reason, lost),
            "probability": col.numbers(probability),
            "forecast_category": col.labels(categories, category),
        }
    )
