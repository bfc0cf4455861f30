"""The close probability the product shows: trained on everything known today, backtested,
and used only if its backtest beats the stage win rates.

`score_open_deals(engine)` does it all at once (seconds on a demo company; the CLI and the
tests call it directly). The web app asks `DealScoreService.current(...)`, which keeps the
last result, retrains in a background thread when the data changed (after an import), and
serves the previous result until the new one is ready.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import pandas as pd

from cruscotto.engine import Engine
from cruscotto.models.background import BackgroundModel, ThreadStarter, plain_thread, table_version
from cruscotto.models.backtest import Backtest, run_backtest
from cruscotto.models.close_probability import monthly_snapshots, train_close_probability
from cruscotto.models.deal_features import FEATURE_LABELS, FEATURES, deal_snapshots, display_value
from cruscotto.models.deal_history import load_deal_history
from cruscotto.models.store import frame_from_state, frame_state, record_run

TOP_FACTORS = 3  # shown per deal, each way


@dataclass
class DealScores:
    """Per open deal: `probability` (the model's when it won the backtest, else the stage
    rate), `stage_rate`, `basis` (model or stage_rate) and up to TOP_FACTORS factors each
    way [{feature, value, effect}]; the backtest and when and on what it was trained."""

    deals: pd.DataFrame
    backtest: Backtest
    trained_at: dt.datetime
    data_version: str
    closed_deals: int
    weight: float
    training_seconds: float

    @property
    def uses_model(self) -> bool:
        return self.backtest.uses_model

    def to_state(self) -> dict:
        """Everything, JSON-ready, for keeping it across restarts (see models.store)."""
        return {
            "deals": frame_state(self.deals),
            "backtest": self.backtest.to_state(),
            "trained_at": self.trained_at.isoformat(),
            "data_version": self.data_version,
            "closed_deals": self.closed_deals,
            "weight": self.weight,
            "training_seconds": self.training_seconds,
        }

    @classmethod
    def from_state(cls, state: dict) -> DealScores:
        return cls(
            **{
                **state,
                "deals": frame_from_state(state["deals"]),
                "backtest": Backtest.from_state(state["backtest"]),
                "trained_at": dt.datetime.fromisoformat(state["trained_at"]),
            }
        )

    def summary(self) -> dict:
        return {
            "trained_at": self.trained_at.isoformat(timespec="seconds"),
            "data_version": self.data_version,
            "closed_deals": self.closed_deals,
            "model_weight": self.weight,
            "uses_model": self.uses_model,
            "reason": self.backtest.reason(),
            "training_seconds": round(self.training_seconds, 2),
        }


def data_version(engine: Engine) -> str:
    """What the model was trained on: rows and latest stamps of the tables it reads."""
    parts = [
        table_version(engine, name, column)
        for name, column in (
            ("opportunities", "created_at"),
            ("stage_history", "entered_at"),
            ("activities", "occurred_at"),
        )
    ]
    deals = engine.table("opportunities")
    row = engine.execute(
        deals.aggregate(closed=deals.closed_at.count(), last=deals.closed_at.max())
    ).iloc[0]
    parts.append(f"closed:{int(row.closed)}:{row['last']}")  # a deal won or lost since
    return "|".join(parts)


def score_open_deals(engine: Engine) -> DealScores:
    """Backtest, train at today, score today's open deals with their factors."""
    started = time.perf_counter()
    version = data_version(engine)
    history = load_deal_history(engine)
    snapshots = monthly_snapshots(history)
    backtest = run_backtest(history, snapshots)
    today = history.today
    model = train_close_probability(history, today + pd.Timedelta(days=1), snapshots)
    open_now = history.deals[history.deals.status == "open"]
    current = deal_snapshots(history, today, model.order or None, open_now)
    stage_rate = model.stage_rates.rates(current)
    learned = model.probabilities(current)
    use = backtest.uses_model and model.learned
    deals = current[["opportunity_id", *FEATURES]].copy()
    deals["stage_rate"] = stage_rate
    deals["model_probability"] = learned if model.learned else None
    deals["probability"] = learned if use else stage_rate
    deals["basis"] = "model" if use else "stage_rate"
    deals["factors"] = (
        _top_factors(model.factors(current), current)
        if model.learned
        else [[] for _ in range(len(current))]
    )
    return DealScores(
        deals=deals,
        backtest=backtest,
        trained_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
        data_version=version,
        closed_deals=model.closed_deals,
        weight=model.weight,
        training_seconds=time.perf_counter() - started,
    )


def record(engine: Engine, scores: DealScores) -> None:
    """Store the training (date, data version, backtest) in `model_runs`."""
    record_run(
        engine.warehouse.state_store,
        model="close_probability",
        trained_at=scores.trained_at,
        data_version=scores.data_version,
        closed_deals=scores.closed_deals,
        uses_model=scores.uses_model,
        backtest=scores.backtest.to_dict(),
    )


def _top_factors(effects: pd.DataFrame, snapshots: pd.DataFrame) -> list[list[dict]]:
    """Each deal's strongest factors: up to TOP_FACTORS raising and lowering its chance,
    each with the feature, the deal's value of it and the effect in probability points."""
    result = []
    for index, row in effects.iterrows():
        ranked = row.sort_values()
        down = [f for f in ranked.index[:TOP_FACTORS] if ranked[f] < -0.005]
        up = [f for f in ranked.index[::-1][:TOP_FACTORS] if ranked[f] > 0.005]
        result.append(
            [
                {
                    "feature": feature,
                    "label": FEATURE_LABELS[feature],
                    "value": display_value(feature, snapshots.at[index, feature]),
                    "effect": round(float(row[feature]), 4),
                }
                for feature in [*up, *down]
            ]
        )
    return result


class DealScoreService(BackgroundModel):
    """The close probabilities of the open deals, retrained after the data changed."""

    name = "close_probability"
    kept = DealScores

    def __init__(self, start: ThreadStarter = plain_thread) -> None:
        super().__init__(train_and_record, data_version, start)


def train_and_record(engine: Engine) -> DealScores:
    scores = score_open_deals(engine)
    record(engine, scores)
    return scores
