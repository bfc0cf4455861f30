"""The close-probability model: features known at a moment, shrinkage, factors, backtest."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cruscotto.models.backtest import calibration_table, run_backtest, scores
from cruscotto.models.close_probability import (
    SHRINK_DEALS,
    monthly_snapshots,
    train_close_probability,
)
from cruscotto.models.deal_features import FEATURES, deal_snapshots
from cruscotto.models.deal_history import DealHistory
from tests.models.synthetic import synthetic_history

T = pd.Timestamp("2026-03-01")


@pytest.fixture(scope="module")
def history():
    return synthetic_history()


@pytest.fixture(scope="module")
def snapshots(history):
    return monthly_snapshots(history)


def _shift_after(history: DealHistory, moment: pd.Timestamp) -> DealHistory:
    """Every record stamped after `moment` moved 100 days later, every outcome decided
    after `moment` flipped, and new activities and wins added after `moment`."""
    later = pd.Timedelta(days=100)
    deals = history.deals.copy()
    after = deals.closed_at > moment
    deals.loc[after, "closed_at"] += later
    deals.loc[after, "status"] = deals.loc[after, "status"].map({"won": "lost", "lost": "won"})
    stages = history.stage_history.copy()
    stages.loc[stages.entered_at > moment, "entered_at"] += later
    acts = history.activities.copy()
    acts.loc[acts.occurred_at > moment, "occurred_at"] += later
    extra = pd.DataFrame(
        {
            "opportunity_id": deals.opportunity_id,
            "type": "demo",
            "occurred_at": moment + pd.Timedelta(hours=1),
        }
    )
    newer = deals.head(20).assign(
        opportunity_id=[f"NEW{n}" for n in range(20)],
        created_at=moment + pd.Timedelta(days=1),
        closed_at=moment + pd.Timedelta(days=2),
        status="won",
    )
    return DealHistory(
        deals=pd.concat([deals, newer], ignore_index=True),
        stage_history=stages,
        activities=pd.concat([acts, extra], ignore_index=True),
        today=history.today,
    )


def test_features_at_a_moment_ignore_everything_after_it(history):
    before = deal_snapshots(history, T)
    assert len(before) > 20  # deals open on 1 March 2026
    shifted = _shift_after(history, T)
    after = deal_snapshots(shifted, T)
    pd.testing.assert_frame_equal(before, after)
    assert list(before.columns) == ["opportunity_id", *FEATURES, "moment"]


def test_features_count_what_happened_up_to_the_moment(history):
    deal = history.deals.iloc[0]
    created = deal.created_at
    row = deal_snapshots(history, created + pd.Timedelta(days=2), deals=history.deals.iloc[[0]])
    row = row.iloc[0]
    # Two days in: the call (day 1) happened, a demo (day 3) not yet; in qualification.
    assert row.activities_call == 1 and row.activities_demo == 0
    assert row.stage == "qualification" and row.stages_reached == 1
    assert row.age_days == pytest.approx(2.0)
    assert row.days_since_activity == pytest.approx(1.0)
    assert row.amount == pytest.approx(math.log1p(deal.amount_base))


def test_little_history_gives_the_stage_win_rates_and_says_so(history):
    # By 1 March 2025 (three months in) fewer than 20 deals had closed: no model.
    early = train_close_probability(history, pd.Timestamp("2025-01-15"))
    assert not early.learned
    snap = deal_snapshots(history, pd.Timestamp("2025-01-15"))
    won, closed = early.stage_rates.overall
    assert closed < 20
    # No closed deal reached a stage yet? Then the overall rate (won + 1) / (closed + 2).
    expected = [early.stage_rates.rate("New business", s) for s in snap.stage]
    assert early.probabilities(snap) == pytest.approx(expected)
    assert early.factors(snap).empty


def test_the_model_learns_the_demo_signal_and_explains_it(history, snapshots):
    model = train_close_probability(history, T, snapshots)
    assert model.learned
    closed = model.closed_deals
    assert model.weight == pytest.approx(closed / (closed + SHRINK_DEALS))
    snap = deal_snapshots(history, T)
    # Only deals in proposal (past their demo day) compare like with like.
    snap = snap[(snap.stage == "proposal")]
    probability = model.probabilities(snap)
    with_demo = probability[snap.activities_demo.to_numpy() > 0]
    without = probability[snap.activities_demo.to_numpy() == 0]
    assert with_demo.mean() - without.mean() > 0.25  # the truth: 0.8 vs 0.3
    factors = model.factors(snap)
    top = factors.abs().idxmax(axis=1)
    assert (top == "activities_demo").mean() > 0.9
    assert (factors.activities_demo[snap.activities_demo > 0] > 0).all()
    assert (factors.activities_demo[snap.activities_demo == 0] < 0).all()


def test_the_backtest_shows_the_model_beating_the_stage_rates(history, snapshots):
    result = run_backtest(history, snapshots).to_dict()
    assert result["n_deals"] > 50
    assert result["brier"] < result["baseline_brier"]
    # The best possible AUC here is about 0.74 (demo or not is all there is to know; won
    # deals had one 64% of the time, lost ones 16%); the stage rates know none of it.
    assert result["auc"] > 0.65 and result["auc"] > result["baseline_auc"] + 0.1
    assert result["uses_model"] and result["reason"] == "model_better"
    assert {c["deals"] for c in result["calibration"]["model"]} and sum(
        c["deals"] for c in result["calibration"]["model"]
    ) == result["n_predictions"]


def test_scores_by_hand():
    outcome = np.array([1, 0, 1, 0])
    predicted = np.array([0.8, 0.3, 0.6, 0.4])
    result = scores(outcome, predicted)
    # Brier: (0.2² + 0.3² + 0.4² + 0.4²) / 4 = (0.04 + 0.09 + 0.16 + 0.16) / 4 = 0.1125.
    assert result["brier"] == pytest.approx(0.1125)
    # Log loss: −(ln 0.8 + ln 0.7 + ln 0.6 + ln 0.6) / 4.
    expected = -(math.log(0.8) + math.log(0.7) + 2 * math.log(0.6)) / 4
    assert result["log_loss"] == pytest.approx(expected)
    # AUC: both won deals (0.8, 0.6) score above both lost ones (0.3, 0.4): 4 of 4 pairs.
    assert result["auc"] == 1.0
    table = calibration_table(outcome, predicted)
    assert [(row["low"], row["deals"], row["won"]) for row in table] == [
        (0.3, 1, 0.0),
        (0.4, 1, 0.0),
        (0.6, 1, 1.0),
        (0.8, 1, 1.0),
    ]


def test_a_company_without_activities_gets_zero_counts(history):
    """Maven's export has no activities: every count is 0 and the snapshot still builds."""
    quiet = DealHistory(
        deals=history.deals,
        stage_history=history.stage_history,
        activities=history.activities.iloc[0:0],
        today=history.today,
    )
    snapshot = deal_snapshots(quiet, T)
    assert len(snapshot) == len(deal_snapshots(history, T))
    assert (snapshot.activities_demo == 0).all() and (snapshot.recent_activities == 0).all()
    assert (snapshot.days_since_activity == 365.0).all()
