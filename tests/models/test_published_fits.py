"""The two published model fits, reproduced on their published data (see data/SOURCE.md)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from cruscotto.cli import app
from cruscotto.models import fit_repeat_purchases, fit_retention
from cruscotto.models.input_files import read_customer_summary, read_survival

DATA = Path(__file__).parent / "data"
runner = CliRunner()


@pytest.fixture(scope="module")
def cdnow():
    columns = read_customer_summary(DATA / "cdnow_customers_summary.csv")
    return fit_repeat_purchases(columns["frequency"], columns["recency"], columns["T"])


@pytest.mark.parametrize(
    ("file", "alpha", "beta"),
    [
        # Fader & Hardie (2007), worked example, fitted on years 1–7: published to 3 decimals.
        ("sbg_high_end.csv", 0.668, 3.806),
        ("sbg_regular.csv", 0.704, 1.182),
    ],
)
def test_sbg_reproduces_fader_hardie_2007(file, alpha, beta):
    fit = fit_retention(read_survival(DATA / file), fit_periods=7)
    assert round(fit.alpha, 3) == alpha
    assert round(fit.beta, 3) == beta


def test_sbg_projection_follows_the_papers_recursion():
    """S(t) from the fitted α, β against the paper's eq. (7) recursion, computed here:
    P(T=1) = α/(α+β), P(T=t) = (β+t−2)/(α+β+t−1)·P(T=t−1), S(t) = 1 − Σ P(T=i)."""
    alive = read_survival(DATA / "sbg_high_end.csv")
    fit = fit_retention(alive, fit_periods=7)
    a, b = fit.alpha, fit.beta
    churn = [a / (a + b)]
    for t in range(2, 13):
        churn.append(churn[-1] * (b + t - 2) / (a + b + t - 1))
    survival = 1 - np.cumsum(churn)
    assert fit.projected(12)[1:] == pytest.approx(1000 * survival, rel=1e-9)
    assert fit.projected(12)[0] == 1000
    # The year-12 projection stays within 5% of the 394 actually alive (the paper's point:
    # seven years of data project twelve).
    assert abs(fit.projected(12)[12] - 394) / 394 < 0.05


def test_sbg_discounted_residual_lifetime_equals_the_discounted_sum():
    """DERL's closed form (Fader & Hardie 2010, eq. 6) against the plain sum
    Σ_{t>n} S(t)/S(n) / (1+d)^(t−n−1), truncated at 5,000 periods."""
    fit = fit_retention(read_survival(DATA / "sbg_high_end.csv"), fit_periods=7)
    survival = fit.survival(5000)
    n, d = 7, 0.10
    by_sum = sum(survival[t] / survival[n] / (1 + d) ** (t - n - 1) for t in range(n + 1, 5001))
    assert fit.discounted_residual_lifetime(d, n) == pytest.approx(by_sum, rel=1e-9)


def test_bgnbd_reproduces_fader_hardie_lee_2005(cdnow):
    # Published (FHL 2005): r = 0.243, α = 4.414, a = 0.793, b = 2.426, to 3 decimals.
    assert [round(v, 3) for v in (cdnow.r, cdnow.alpha, cdnow.a, cdnow.b)] == [
        0.243,
        4.414,
        0.793,
        2.426,
    ]
    # The paper's log-likelihood at the optimum: −9582.4.
    assert round(cdnow.log_likelihood, 1) == -9582.4


def test_bgnbd_expectations_match_hardies_spreadsheet(cdnow):
    """Hardie's Excel figures as quoted in lifetimes' tests (see SOURCE.md of the dataset):
    E[Y(39) | x=2, t_x=30.43, T=38.86] = 1.226; E[X(t)] for a new customer at t = 0.1429,
    1, 3, 31.8571, 32 weeks = 0.0078, 0.0532, 0.1506, 1.0405, 1.0437 (as printed), and at
    78 weeks 1.8576, which our optimum gives as 1.85797: equal to 3 decimals (1.858)."""
    assert round(cdnow.expected_purchases(39, 2, 30.43, 38.86), 3) == 1.226
    printed = [(0.1429, 0.0078), (1, 0.0532), (3, 0.1506), (31.8571, 1.0405), (32, 1.0437)]
    for weeks, expected in printed:
        decimals = len(str(expected).split(".")[1])
        assert round(cdnow.expected_purchases_of_new_customer(weeks), decimals) == expected
    assert round(cdnow.expected_purchases_of_new_customer(78), 3) == round(1.8576, 3)


def test_cli_retention_json_prints_alpha_beta_and_every_period():
    result = runner.invoke(
        app,
        [
            "model",
            "retention",
            "--survival",
            str(DATA / "sbg_high_end.csv"),
            "--fit-periods",
            "7",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert round(printed["alpha"], 3) == 0.668 and round(printed["beta"], 3) == 3.806
    assert len(printed["projected"]) == 13  # periods 0…12, as many as the file has
    assert printed["projected"][0] == 1000


def test_cli_repeat_json_prints_the_four_parameters():
    result = runner.invoke(
        app,
        [
            "model",
            "repeat",
            "--summary",
            str(DATA / "cdnow_customers_summary.csv"),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert [round(printed[k], 3) for k in ("r", "alpha", "a", "b")] == [0.243, 4.414, 0.793, 2.426]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("period,alive\n0,1000\n1,1200\n", "row 3, column alive"),
        ("period,alive\n0,1000\n2,800\n", "row 3, column period: expected period 1"),
        ("period,count\n0,1000\n", "missing column(s) alive"),
        ("period,alive\n0,1000\n1,abc\n", "row 3, column alive: 'abc' is not a number"),
    ],
)
def test_cli_retention_rejects_a_bad_file_with_row_and_column(tmp_path, text, message):
    path = tmp_path / "cohort.csv"
    path.write_text(text)
    result = runner.invoke(
        app, ["model", "retention", "--survival", str(path), "--fit-periods", "1"]
    )
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())


def test_cli_retention_needs_the_fitted_periods_in_the_file():
    result = runner.invoke(
        app,
        ["model", "retention", "--survival", str(DATA / "sbg_regular.csv"), "--fit-periods", "9"],
    )
    assert result.exit_code == 1
    assert "needs periods 0…9" in " ".join(result.output.split())


def test_cli_repeat_rejects_recency_after_age(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text("ID,frequency,recency,T\n1,2,40,38.86\n")
    result = runner.invoke(app, ["model", "repeat", "--summary", str(path)])
    assert result.exit_code == 1
    assert "row 2, column recency" in " ".join(result.output.split())
