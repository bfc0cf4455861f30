"""Retention per start cohort (sBG on contracts) and repeat purchases (BG/NBD on invoices)
on a company's own records: the pipeline from records to fits reproduces the published
estimates (tests/models/lifetime_company.py builds the records from the published data),
and every derived number is checked against a hand calculation or an independent sum."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import quad
from scipy.special import betaln, hyp2f1

from cruscotto.models.lifetime_value import (
    DISCOUNT_PER_YEAR,
    cohort_tables,
    lifetime_values,
    years_survived,
)
from cruscotto.models.repeat_purchase import gauss_series
from cruscotto.models.retention import RetentionFit, fit_retention, fit_retention_cohorts
from tests.models import lifetime_company
from tests.models.lifetime_company import MRR


@pytest.fixture(scope="module")
def values():
    return lifetime_values(lifetime_company.history())


def test_contracts_give_fader_hardies_survival_table_and_estimates(values):
    (cohort,) = values.cohorts
    assert cohort.year == 2018
    assert cohort.alive == [1000, 631, 468, 382, 326, 289, 262, 241]  # data/sbg_regular.csv
    # Fader & Hardie (2007), the "regular" customers fitted on years 1–7.
    assert (round(cohort.fit.alpha, 3), round(cohort.fit.beta, 3)) == (0.704, 1.182)
    assert (round(values.pooled.alpha, 3), round(values.pooled.beta, 3)) == (0.704, 1.182)


def test_invoices_give_the_published_bgnbd_estimates_and_forecast(values):
    # Fader, Hardie & Lee (2005) on CDNOW: r, α, a, b and E[Y(39)] of customer 1
    # (x = 2, t_x = 30.43, T = 38.86) = 1.226.
    fit = values.repeat
    assert [round(v, 3) for v in (fit.r, fit.alpha, fit.a, fit.b)] == [0.243, 4.414, 0.793, 2.426]
    one = values.customers.set_index("account_id").loc["N0001"]
    assert (one.kind, one.frequency, round(one.recency, 2), round(one["T"], 2)) == (
        "one_off",
        2,
        30.43,
        38.86,
    )
    assert round(fit.expected_purchases(39, one.frequency, one.recency, one["T"]), 3) == 1.226
    # Its projected value: expected purchases in 52 weeks × its mean purchase (10 a day).
    assert one.projected_value == pytest.approx(one.expected_purchases * 10.0)


def test_the_model_clv_is_the_discounted_sum_of_survival(values):
    """m · Σ_t S(t) / (1 + d)^t with the published α, β and S(t) from the paper's
    recursion S(t) = S(t − 1) · (β + t − 1) / (α + β + t − 1), summed to 3,000 years."""
    a, b, d = 0.704, 1.182, DISCOUNT_PER_YEAR
    survival, total = 1.0, 1.0
    for t in range(1, 3000):
        survival *= (b + t - 1) / (a + b + t - 1)
        total += survival / (1 + d) ** t
    assert values.yearly_revenue == MRR * 12
    assert values.contract_clv == pytest.approx(MRR * 12 * total, rel=2e-3)  # α, β rounded


def test_a_survivors_renewal_chance_and_projected_value(values):
    """A customer still there after 7 renewals: (β + 7) / (α + β + 7) (the sBG retention
    rate of year 8) and its yearly revenue × DERL(10% | α, β, 7) as a plain sum."""
    survivors = values.customers[values.customers.kind == "contract"]
    assert len(survivors) == 241 and set(survivors.renewals) == {7}
    a, b = 0.704, 1.182
    assert survivors.renewal_probability.iloc[0] == pytest.approx((b + 7) / (a + b + 7), rel=1e-3)
    s = lambda t: math.exp(betaln(a, b + t) - betaln(a, b))  # noqa: E731
    derl = sum(s(t) / s(7) / 1.1 ** (t - 8) for t in range(8, 4000))
    assert survivors.projected_value.iloc[0] == pytest.approx(1200 * derl, rel=2e-3)


def test_expected_lifetime_value_by_hand():
    """θ ~ Beta(2, 1): S(t) = 2 / ((t + 1)(t + 2)), so with z = 1 / 1.1
    Σ S(t) z^t = 2 [−ln(1 − z) / z − (−ln(1 − z) − z) / z²] ≈ 1.6725 (partial fractions)."""
    z = 1 / 1.1
    by_hand = 2 * (-math.log(1 - z) / z - (-math.log(1 - z) - z) / z**2)
    fit = RetentionFit(2.0, 1.0, 0.0, 1, 1.0)
    assert fit.expected_lifetime_value(100.0, 0.1) == pytest.approx(100 * by_hand, rel=1e-12)
    assert round(100 * by_hand, 2) == 167.25


def test_cohorts_pool_by_adding_their_likelihoods():
    """The same cohort twice has the one-cohort estimates (the log-likelihood doubles)."""
    regular = [1000, 631, 468, 382, 326, 289, 262, 241]
    once = fit_retention(regular, fit_periods=7)
    twice = fit_retention_cohorts([regular, regular])
    assert twice.alpha == pytest.approx(once.alpha, rel=1e-6)
    assert twice.beta == pytest.approx(once.beta, rel=1e-6)
    assert twice.log_likelihood == pytest.approx(2 * once.log_likelihood, rel=1e-9)


def test_survival_tables_by_hand():
    """Today 2026-06-30. Started in 2023: A (runs on), B (ends before its 1st
    anniversary), C (alive at its 1st, gone at its 2nd, back at its 3rd: a comeback is
    not a survival),
    D (started 2023-12-01: only 2 anniversaries reached, so the cohort has 2 periods).
    2024: E (a two-year term ending the day before its 2nd anniversary). 2025: F."""
    day = pd.Timestamp
    contracts = pd.DataFrame(
        [
            ("A", day("2023-01-10"), pd.NaT),
            ("B", day("2023-03-01"), day("2024-02-28")),
            ("C", day("2023-05-01"), day("2024-06-30")),
            ("C", day("2025-06-01"), pd.NaT),
            ("D", day("2023-12-01"), pd.NaT),
            ("E", day("2024-02-01"), day("2026-01-31")),
            ("F", day("2025-09-01"), pd.NaT),
        ],
        columns=["account_id", "start", "end"],
    )
    lives = years_survived(contracts, day("2026-06-30")).set_index("account_id")
    assert lives.reached.to_dict() == {"A": 3, "B": 3, "C": 3, "D": 2, "E": 2, "F": 0}
    assert lives.survived.to_dict() == {"A": 3, "B": 0, "C": 1, "D": 2, "E": 1, "F": 0}
    assert cohort_tables(lives.reset_index()) == {2023: [4, 3, 2], 2024: [1, 1, 0], 2025: [1]}


def test_the_gauss_series_where_scipy_gives_up():
    """Parameters in the hundreds of thousands (a fit to customers who never return):
    scipy's ₂F₁ is NaN; the series equals Euler's integral
    Γ(c) / (Γ(b) Γ(c − b)) ∫₀¹ t^(b−1) (1 − t)^(c−b−1) (1 − z t)^(−a) dt."""
    a, b, c, z = 78511.0, 1.00002, 6.98, 6.15e-5
    assert np.isnan(hyp2f1(a, b, c, z))

    def integrand(t: float) -> float:
        log = (b - 1) * math.log(t) + (c - b - 1) * math.log1p(-t) - a * math.log1p(-z * t)
        return math.exp(log - betaln(b, c - b))

    integral, _ = quad(integrand, 0, 1, limit=200)
    assert gauss_series(a, b, c, z) == pytest.approx(integral, rel=1e-8)
    assert gauss_series(2.5, 1.3, 4.1, 0.7) == hyp2f1(2.5, 1.3, 4.1, 0.7)
