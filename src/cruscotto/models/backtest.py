"""How good the close probability was, measured the only honest way: rolling origins.

At each origin T (the first day of a month, the last ORIGINS of them that are at least
SETTLE_DAYS before today) a model is trained on what was known at T, the deals open at T
are scored with their T-time features, and the scores are compared with what happened to
those deals (the ones still open today are left out: their outcome is unknown). The same
deals are scored by the two alternatives:

- the stage-rate baseline: the win rate (Laplace-smoothed) of the deal's stage among deals
  closed by T — what the forecast used before the model;
- the CRM's probability: the field only holds its latest value (1 or 0 once a deal is
  closed), so each deal gets the probability the CRM gives today's open deals of the same
  pipeline and stage (the median), i.e. the CRM's stage probability.

Reported pooled over origins: Brier score (mean squared error of the probability; lower is
better), log loss, AUC (how often a won deal scores above a lost one; 0.5 is chance) and a
calibration table (per tenth of predicted probability: deals, mean predicted, share won).
The product uses the model only when its Brier score beats the baseline's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

from cruscotto.models.close_probability import monthly_snapshots, train_close_probability
from cruscotto.models.deal_history import DealHistory
from cruscotto.models.store import frame_from_state, frame_state

ORIGINS = 6
SETTLE_DAYS = 60
BINS = 10
METHODS = ("model", "baseline", "crm")


@dataclass
class Backtest:
    origins: list[str]
    scored: pd.DataFrame  # one row per (origin, deal): won, model, baseline, crm
    closed_deals: int
    weight: float
    methods: dict[str, dict] = field(default_factory=dict)

    @property
    def uses_model(self) -> bool:
        model, baseline = self.methods.get("model"), self.methods.get("baseline")
        return bool(model and baseline and model["n"] and model["brier"] < baseline["brier"])

    def reason(self) -> str:
        if not self.origins or self.scored.empty:
            return "no_history"
        if not self.methods["model"]["learned"]:
            return "too_few_deals"
        return "model_better" if self.uses_model else "baseline_better"

    def to_state(self) -> dict:
        """Everything, JSON-ready, for keeping it (see models.store)."""
        return {
            "origins": self.origins,
            "scored": frame_state(self.scored),
            "closed_deals": self.closed_deals,
            "weight": self.weight,
            "methods": self.methods,
        }

    @classmethod
    def from_state(cls, state: dict) -> Backtest:
        return cls(**{**state, "scored": frame_from_state(state["scored"])})

    def to_dict(self) -> dict:
        model = self.methods.get("model", {})
        baseline = self.methods.get("baseline", {})
        crm = self.methods.get("crm", {})
        return {
            "n_deals": int(self.scored.opportunity_id.nunique()) if len(self.scored) else 0,
            "n_predictions": len(self.scored),
            "origins": self.origins,
            "brier": model.get("brier"),
            "baseline_brier": baseline.get("brier"),
            "crm_brier": crm.get("brier"),
            "log_loss": model.get("log_loss"),
            "baseline_log_loss": baseline.get("log_loss"),
            "crm_log_loss": crm.get("log_loss"),
            "auc": model.get("auc"),
            "baseline_auc": baseline.get("auc"),
            "crm_auc": crm.get("auc"),
            "calibration": {m: self.methods[m]["calibration"] for m in self.methods},
            "methods": [
                {"method": m, **{k: v for k, v in self.methods[m].items() if k != "calibration"}}
                for m in self.methods
            ],
            "uses_model": self.uses_model,
            "reason": self.reason(),
            "closed_deals": self.closed_deals,
            "model_weight": self.weight,
        }


def origins_for(history: DealHistory, count: int = ORIGINS) -> list[pd.Timestamp]:
    last = (history.today - pd.Timedelta(days=SETTLE_DAYS)).to_period("M").to_timestamp()
    first = history.deals.created_at.min() if len(history.deals) else last
    candidates = pd.date_range(end=last, periods=count, freq="MS")
    return [t for t in candidates if t > first]


def run_backtest(history: DealHistory, snapshots: pd.DataFrame | None = None) -> Backtest:
    """The rolling-origin backtest of the module docstring."""
    if snapshots is None:
        snapshots = monthly_snapshots(history)
    crm = _crm_stage_probability(history)
    parts, model = [], None
    origins = origins_for(history)
    for origin in origins:
        at_origin = snapshots[snapshots.moment == origin] if len(snapshots) else snapshots
        settled = at_origin[at_origin.status.isin(["won", "lost"])] if len(at_origin) else at_origin
        if settled.empty:
            continue
        model = train_close_probability(history, origin, snapshots)
        parts.append(
            pd.DataFrame(
                {
                    "origin": origin,
                    "opportunity_id": settled.opportunity_id.to_numpy(),
                    "won": settled.won.to_numpy(),
                    "model": model.probabilities(settled),
                    "baseline": model.stage_rates.rates(settled),
                    "crm": [
                        crm.get((p, s))
                        for p, s in zip(settled.pipeline, settled.stage, strict=True)
                    ],
                    "learned": model.learned,
                }
            )
        )
    scored = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["origin", "opportunity_id", "won", *METHODS, "learned"])
    )
    result = Backtest(
        origins=[t.date().isoformat() for t in origins],
        scored=scored,
        closed_deals=model.closed_deals if model else 0,
        weight=model.weight if model else 0.0,
    )
    for method in METHODS:
        column = scored[method].astype(float) if len(scored) else pd.Series(dtype=float)
        rows = scored[column.notna()] if len(scored) else scored
        result.methods[method] = scores(rows.won.to_numpy(), column.dropna().to_numpy())
    result.methods["model"]["learned"] = bool(len(scored) and scored.learned.any())
    return result


def scores(outcome: np.ndarray, predicted: np.ndarray) -> dict:
    """Brier, log loss, AUC and the calibration table of `predicted` against `outcome`."""
    n = len(outcome)
    if n == 0:
        return {"n": 0, "brier": None, "log_loss": None, "auc": None, "calibration": []}
    both = len(set(outcome.tolist())) == 2
    clipped = np.clip(predicted, 1e-6, 1 - 1e-6)
    return {
        "n": n,
        "brier": float(brier_score_loss(outcome, predicted)),
        "log_loss": float(log_loss(outcome, clipped, labels=[0, 1])),
        "auc": float(roc_auc_score(outcome, predicted)) if both else None,
        "calibration": calibration_table(outcome, predicted),
    }


def calibration_table(outcome: np.ndarray, predicted: np.ndarray) -> list[dict]:
    """Per tenth of predicted probability (0–10%, …, 90–100%) with any deals in it."""
    bins = np.minimum((predicted * BINS).astype(int), BINS - 1)
    table = []
    for b in range(BINS):
        inside = bins == b
        if inside.any():
            table.append(
                {
                    "low": b / BINS,
                    "high": (b + 1) / BINS,
                    "deals": int(inside.sum()),
                    "predicted": float(predicted[inside].mean()),
                    "won": float(outcome[inside].mean()),
                }
            )
    return table


def _crm_stage_probability(history: DealHistory) -> dict[tuple[str, str], float]:
    """The CRM's probability per (pipeline, stage): the median over today's open deals."""
    deals = history.deals
    open_now = deals[(deals.status == "open") & deals.probability.notna()]
    return open_now.groupby(["pipeline", "stage"]).probability.median().to_dict()
