"""The demo's deals carry signal a sales manager would recognise (docs/demo-company.md), and
the close-probability model learns it: its backtest beats the stage win rates."""

from __future__ import annotations

from cruscotto.engine import Engine
from cruscotto.models.backtest import run_backtest
from cruscotto.models.deal_history import load_deal_history
from cruscotto.settings import CompanySettings
from cruscotto.warehouse import connect
from tests.demo.conftest import TODAY, scalar


def _per_deal(db, status: str, activity: str) -> float:
    return scalar(
        db,
        """SELECT count(a.activity_id) / count(DISTINCT o.opportunity_id)
           FROM opportunities o LEFT JOIN activities a
             ON a.opportunity_id = o.opportunity_id AND a.type = ?
           WHERE o.status = ?""",
        activity,
        status,
    )


def test_won_deals_were_worked_more_and_saw_more_demos(db):
    assert _per_deal(db, "won", "demo") > 3 * _per_deal(db, "lost", "demo")
    assert _per_deal(db, "won", "meeting") > 1.5 * _per_deal(db, "lost", "meeting")


def test_lost_deals_went_quiet_and_lingered_before_the_end(db):
    """Days from the last activity other than the proposal to the close: lost deals much
    longer (they go quiet after about half their life and linger in their last stage)."""
    quiet = """
        SELECT median(epoch(o.closed_at - last_touch) / 86400)
        FROM opportunities o
        JOIN (SELECT opportunity_id, max(occurred_at) AS last_touch FROM activities
              WHERE type <> 'proposal' GROUP BY 1) a USING (opportunity_id)
        WHERE o.status = ?"""
    assert scalar(db, quiet, "lost") > 2 * scalar(db, quiet, "won")


def test_the_close_probability_model_beats_the_stage_win_rates(demo_company):
    warehouse = connect(str(demo_company[0]), read_only=True)
    try:
        engine = Engine(warehouse, CompanySettings(), today=TODAY)
        result = run_backtest(load_deal_history(engine)).to_dict()
    finally:
        warehouse.close()
    assert result["n_deals"] > 200
    assert result["uses_model"]
    # At this small scale (0.25) the test company gives Brier 0.159 against 0.163 and AUC
    # 0.74 against 0.68; at scale 1, 0.162 against 0.194 and 0.78 against 0.64.
    assert result["brier"] < result["baseline_brier"]
    assert result["auc"] > result["baseline_auc"] + 0.05
