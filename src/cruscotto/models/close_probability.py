r"""Close probability of open deals, learned from the company's own closed deals.

Training examples are snapshots: at the first day of each month, every deal open then,
with the features known then (deal_features.py) and, as label, whether it was eventually
won — only deals closed by the training cutoff, so a model trained "at T" knows nothing
after T. The learner is a logistic regression (numbers standardised, categories one-hot)
calibrated with Platt's sigmoid on cross-validated predictions (scikit-learn's
CalibratedClassifierCV, ensemble=False): one model, whose calibrated log-odds stay a sum of
per-feature terms, so each deal's factors are exact.

Shrinkage toward the stage win rates. With n closed deals to learn from, the probability
of a deal whose stage win rate is s (Laplace-smoothed: (won + 1) ÷ (closed + 2) among closed
deals that reached the stage, else its pipeline's, else all deals') is

    logit p = logit s + λ · (logit p_model − logit s),      λ = n / (n + SHRINK_DEALS)

so a company with a few dozen closed deals gets mostly its stage win rates, and one with
thousands gets the model. The factors of a deal are the model's per-feature terms,
w_j · (x_j − x̄_j) scaled by λ and the calibration slope, shown as the change in probability
if that feature were at its average.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cruscotto.models.deal_features import CATEGORICAL_FEATURES, NUMERIC_FEATURES, deal_snapshots
from cruscotto.models.deal_history import DealHistory, stage_order
from cruscotto.models.explained_logistic import ExplainedLogistic, effects, logit, sigmoid

SHRINK_DEALS = 50  # closed deals at which the model and the stage rates weigh the same
MIN_CLOSED = 20  # below this (or with one outcome only) there is no model: stage rates


@dataclass
class StageRates:
    """Win rates learned from closed deals: per (pipeline, stage) reached, per pipeline,
    overall; Laplace-smoothed so that no rate is exactly 0 or 1."""

    by_stage: dict[tuple[str, str], tuple[int, int]]
    by_pipeline: dict[str, tuple[int, int]]
    overall: tuple[int, int]

    def rate(self, pipeline: str, stage: str) -> float:
        won, closed = self.by_stage.get(
            (pipeline, stage), self.by_pipeline.get(pipeline, self.overall)
        )
        return (won + 1) / (closed + 2)

    def rates(self, snapshots: pd.DataFrame) -> np.ndarray:
        return np.array(
            [self.rate(p, s) for p, s in zip(snapshots.pipeline, snapshots.stage, strict=True)]
        )


def learn_stage_rates(history: DealHistory, cutoff: pd.Timestamp) -> StageRates:
    """Of the deals closed by `cutoff`, per stage they reached: how many, how many won."""
    deals = history.deals
    closed = deals[deals.status.isin(["won", "lost"]) & (deals.closed_at <= cutoff)]
    won = closed.set_index("opportunity_id").status.eq("won")
    stages = history.stage_history
    reached = stages[stages.opportunity_id.isin(closed.opportunity_id)][["opportunity_id", "stage"]]
    reached = reached.drop_duplicates().merge(closed[["opportunity_id", "pipeline"]])
    reached["won"] = reached.opportunity_id.map(won).astype(int)
    by_stage = reached.groupby(["pipeline", "stage"]).won.agg(["sum", "count"])
    by_pipeline = (
        closed.assign(won=won.to_numpy().astype(int)).groupby("pipeline").won.agg(["sum", "count"])
    )
    return StageRates(
        by_stage={k: (int(r["sum"]), int(r["count"])) for k, r in by_stage.iterrows()},
        by_pipeline={k: (int(r["sum"]), int(r["count"])) for k, r in by_pipeline.iterrows()},
        overall=(int(won.sum()), len(won)),
    )


def monthly_snapshots(history: DealHistory, until: pd.Timestamp | None = None) -> pd.DataFrame:
    """Snapshots at each month start up to `until` (default: today) of every deal open
    then, with the deal's `status` and `closed_at` as of today for labelling. A snapshot's
    features depend only on its moment, so one set serves every training cutoff."""
    deals = history.deals
    until = history.today if until is None else pd.Timestamp(until)
    if deals.empty:
        return pd.DataFrame()
    first = deals.created_at.min().to_period("M").to_timestamp() + pd.offsets.MonthBegin(1)
    order = stage_order(history)
    parts = [
        deal_snapshots(history, moment, order) for moment in pd.date_range(first, until, freq="MS")
    ]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame()
    snapshots = pd.concat(parts, ignore_index=True)
    outcome = deals.set_index("opportunity_id")
    snapshots["status"] = snapshots.opportunity_id.map(outcome.status)
    snapshots["closed_at"] = snapshots.opportunity_id.map(outcome.closed_at)
    snapshots["won"] = snapshots.status.eq("won").astype(int)
    return snapshots


def training_rows(snapshots: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """The snapshots a model trained at `cutoff` may learn from: taken before it, of deals
    whose outcome was known by then."""
    if snapshots.empty:
        return snapshots
    known = snapshots.status.isin(["won", "lost"]) & (snapshots.closed_at <= cutoff)
    return snapshots[known & (snapshots.moment < cutoff)]


@dataclass
class CloseProbabilityModel:
    """What was learned at `cutoff`: stage rates always; a calibrated model when there was
    enough history (`learner` None otherwise); λ, the model's weight against the rates."""

    cutoff: pd.Timestamp
    stage_rates: StageRates
    closed_deals: int
    learner: ExplainedLogistic | None = None
    weight: float = 0.0
    order: dict[str, float] = field(default_factory=dict)

    @property
    def learned(self) -> bool:
        return self.learner is not None

    def probabilities(self, snapshots: pd.DataFrame) -> np.ndarray:
        base = self.stage_rates.rates(snapshots)
        if not self.learned or snapshots.empty:
            return base
        return sigmoid(logit(base) + self.weight * (self.learner.logit(snapshots) - logit(base)))

    def factors(self, snapshots: pd.DataFrame) -> pd.DataFrame:
        """Per deal and feature: the change in probability if the feature were at its
        average (positive: this feature raises the deal's chance). Empty without a model."""
        if not self.learned or snapshots.empty:
            return pd.DataFrame(index=snapshots.index)
        terms = {f: self.weight * t for f, t in self.learner.terms(snapshots).items()}
        return effects(self.probabilities(snapshots), terms, snapshots.index)


def train_close_probability(
    history: DealHistory, cutoff: pd.Timestamp, snapshots: pd.DataFrame | None = None
) -> CloseProbabilityModel:
    """The model as it would have been learned at `cutoff` from what was known then
    (`snapshots`: monthly_snapshots(history), when the caller already has them)."""
    cutoff = pd.Timestamp(cutoff)
    rates = learn_stage_rates(history, cutoff)
    closed = rates.overall[1]
    model = CloseProbabilityModel(cutoff, rates, closed)
    if closed < MIN_CLOSED or rates.overall[0] in (0, closed):
        return model
    if snapshots is None:
        snapshots = monthly_snapshots(history, cutoff)
    snapshots = training_rows(snapshots, cutoff)
    if snapshots.empty or snapshots.won.nunique() < 2:
        return model
    model.learner = ExplainedLogistic(NUMERIC_FEATURES, CATEGORICAL_FEATURES).fit(
        snapshots, snapshots.won
    )
    model.weight = closed / (closed + SHRINK_DEALS)
    model.order = stage_order(history)
    return model
