"""The backtest page and the learned probability on the forecast, through the real app.

The company is tests/models/synthetic.py's (600 deals over two years; a demo raises a
deal's chance from 30% to 80%), loaded into DuckDB; today 2026-11-30.
"""

import time

import pytest
from fastapi.testclient import TestClient

from tests.models.synthetic import TODAY, canonical_tables, synthetic_history
from tests.web.conftest import app_over, log_in

USERS = {
    "admin": ("admin", {}),
    "manager": ("manager", {"teams": ["North"]}),
    "rep": ("rep", {"rep_id": "R0"}),
    "viewer": ("viewer", {}),
}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    path = tmp_path_factory.mktemp("models") / "web.duckdb"
    with app_over(path, canonical_tables(synthetic_history()), TODAY.date(), USERS) as application:
        yield application


@pytest.fixture(scope="module")
def client(app):
    def logged_in(name: str) -> TestClient:
        return log_in(TestClient(app), name, f"{name}-pass-1")

    return {name: logged_in(name) for name in USERS}


@pytest.fixture(scope="module")
def trained(client):
    """The backtest once the background training is done (it starts on the first ask)."""
    for _ in range(300):
        answer = client["admin"].get("/api/models/close-probability").json()
        if answer["backtest"] is not None and answer["status"] == "ready":
            return answer
        time.sleep(0.5)
    raise AssertionError(f"the model was not trained in time: {answer}")


def test_the_backtest_page_shows_the_model_beating_the_stage_rates(client, trained):
    backtest = trained["backtest"]
    assert trained["uses_model"] and trained["reason"] == "model_better"
    assert backtest["brier"] < backtest["baseline_brier"]
    assert backtest["auc"] > backtest["baseline_auc"]
    assert backtest["n_deals"] > 50
    assert set(backtest["calibration"]) == {"model", "baseline", "crm"}
    html = client["manager"].get("/models/close-probability").text
    assert 'data-uses-model="true"' in html and 'data-method="baseline"' in html
    assert trained["runs"] and trained["runs"][0]["uses_model"] is True


def test_reps_and_viewers_do_not_see_the_backtest(client):
    assert client["rep"].get("/api/models/close-probability").status_code == 403
    assert client["viewer"].get("/models/close-probability").status_code == 403


def test_the_forecast_shows_the_learned_probability_and_its_factors(client, trained):
    forecast = client["manager"].get("/api/reports/forecast").json()
    deals = next(t for t in forecast["tables"] if t["name"] == "deals")["rows"]
    assert deals and {d["rep"] for d in deals} <= {"Rep 0", "Rep 1", "Rep 2"}  # North only
    assert {d["probability_basis"] for d in deals} == {"model"}
    demo_factors = [f for d in deals for f in d["factors"] if f["feature"] == "activities_demo"]
    assert demo_factors  # the demo is what this company's outcomes hang on
    assert all((f["effect"] > 0) == (f["value"] > 0) for f in demo_factors)
    assert any(n["key"] == "model_model_better" for n in forecast["notes"])
    # The report loads into its page from /reports/forecast/body (the page shows at once).
    html = client["manager"].get("/reports/forecast/body?lang=it").text
    assert 'data-feature="activities_demo"' in html


def test_a_restarted_server_serves_the_kept_scores_without_retraining(app, trained):
    """The training stored its result with its data version (model_states): a new
    service on the same database (a restart) serves it at once, the same deals and
    factors, the same backtest, and starts no training (the data did not change)."""
    from types import SimpleNamespace

    import pandas as pd

    from cruscotto.models.deal_scores import DealScoreService
    from cruscotto.web.kpis import engine

    kpis = engine(SimpleNamespace(app=app))
    app.state.background.join()
    original = app.state.deal_scores.current(kpis)
    restarted = DealScoreService()
    kept = restarted.current(kpis)
    assert restarted.training is False
    pd.testing.assert_frame_equal(kept.deals, original.deals, check_dtype=False)
    assert kept.backtest.to_dict() == original.backtest.to_dict()
    assert kept.summary() == original.summary()
