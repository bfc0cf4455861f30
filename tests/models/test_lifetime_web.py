"""The retention and repeat-purchase models where users meet them, through the real app:
the CLV KPI's page (the model's CLV with its inputs) and the customer pages, in scope.

The company is tests/models/lifetime_company.py's (Fader & Hardie's regular cohort as
contracts, the CDNOW customers as invoices), loaded into DuckDB."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.models.lifetime_company import MRR, TODAY, canonical_tables
from tests.web.conftest import app_over, log_in

USERS = {
    "admin": ("admin", {}),
    "manager": ("manager", {"teams": ["North"]}),
    "rep": ("rep", {"rep_id": "R0"}),
    "viewer": ("viewer", {}),
    "italian": ("admin", {"language": "it"}),
}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    path = tmp_path_factory.mktemp("lifetime") / "web.duckdb"
    with app_over(path, canonical_tables(), TODAY.date(), USERS) as application:
        yield application


@pytest.fixture(scope="module")
def client(app):
    return {name: log_in(TestClient(app), name, f"{name}-pass-1") for name in USERS}


@pytest.fixture(scope="module")
def fitted(app, client):
    """The CLV page once the models' first fit (started by the first ask) is done."""
    client["admin"].get("/api/kpi/clv?period=2025-06")
    app.state.background.join()
    return client["admin"].get("/api/kpi/clv?period=2025-06").json()["retention_model"]


def test_the_clv_page_shows_the_retention_models_clv_and_its_inputs(fitted, client):
    assert fitted["status"] == "ready"
    # Fader & Hardie (2007): α = 0.704, β = 1.182; m = MRR × 12; the CLV is m · Σ S(t)/1.1^t
    # with S(t) from the paper's recursion (summed here to 3,000 years).
    assert (round(fitted["alpha"], 3), round(fitted["beta"], 3)) == (0.704, 1.182)
    assert fitted["yearly_revenue"] == MRR * 12 and fitted["contract_customers"] == 241
    survival, total = 1.0, 1.0
    for t in range(1, 3000):
        survival *= (1.182 + t - 1) / (0.704 + 1.182 + t - 1)
        total += survival / 1.1**t
    assert fitted["clv"] == pytest.approx(MRR * 12 * total, rel=2e-3)
    (cohort,) = fitted["cohorts"]
    assert cohort["alive"] == [1000, 631, 468, 382, 326, 289, 262, 241]
    assert [round(fitted["repeat"][k], 3) for k in ("r", "alpha", "a", "b")] == [
        0.243,
        4.414,
        0.793,
        2.426,
    ]
    html = client["italian"].get("/kpi/clv/numbers?part=details&period=2025-06").text
    assert 'id="retention-model" data-status="ready"' in html
    assert 'data-cohort="2018"' in html and "Fidelizzazione per anno di inizio" in html


def test_a_filtered_clv_page_does_not_show_the_company_wide_model(fitted, client):
    answer = client["rep"].get("/api/kpi/clv?period=2025-06").json()
    assert answer["retention_model"] == {"status": "filtered"}


def test_a_customer_page_shows_its_expected_future(fitted, client):
    """N0001 is CDNOW's customer 1 (x = 2, t_x = 30.43, T = 38.86): P(alive) from the
    published r, α, a, b by FHL (2005)'s formula, computed here."""
    answer = client["admin"].get("/api/accounts/N0001").json()
    value = answer["value"]
    assert answer["owner"] == "Bruno Sala" and value["kind"] == "one_off"
    r, alpha, a, b, x, t_x, big_t = 0.243, 4.414, 0.793, 2.426, 2, 213 / 7, 272 / 7
    alive = 1 / (1 + a / (b + x - 1) * ((alpha + big_t) / (alpha + t_x)) ** (r + x))
    assert value["probability_alive"] == pytest.approx(alive, rel=2e-3)
    assert value["projected_value"] == pytest.approx(value["expected_purchases"] * 10.0)
    survivor = client["admin"].get("/api/accounts/C0999").json()["value"]
    assert survivor["kind"] == "contract" and survivor["renewals"] == 7
    assert survivor["renewal_probability"] == pytest.approx(8.182 / 8.886, rel=1e-3)
    html = client["italian"].get("/accounts/C0999").text
    assert "Probabilità di rinnovo al prossimo anniversario" in html


def test_customer_pages_keep_to_the_users_scope(fitted, client):
    # C0998 belongs to R0 (North), N0001 to R1 (South).
    assert client["rep"].get("/api/accounts/C0998").status_code == 200
    assert client["rep"].get("/api/accounts/N0001").status_code == 404
    assert client["manager"].get("/api/accounts/C0998").status_code == 200
    assert client["manager"].get("/accounts/N0001").status_code == 404
    assert client["viewer"].get("/api/accounts/C0998").status_code == 403
    assert client["admin"].get("/api/accounts/NOBODY").status_code == 404
