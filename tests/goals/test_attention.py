"""How a move is told from noise (z scores, by hand)."""

from __future__ import annotations

import math

import pytest

from cruscotto.engine import KpiResult, Period
from cruscotto.goals.attention import z_score

MONTH = Period.parse("2026-10")


def result(value, numerator=None, denominator=None, sample_size=None, maturing=False):
    return KpiResult(
        "k",
        MONTH,
        value,
        "percent",
        numerator,
        denominator,
        sample_size=sample_size,
        maturing=maturing,
    )


def test_a_rate_is_compared_with_the_pooled_two_proportion_test():
    # 21% of 715 paid-search leads a year ago, 10.7% of 961 now (the demo's story):
    # pooled p = (148 + 103) / 1676 = 0.14976; se = √(p(1−p)(1/961 + 1/715)) = 0.017624;
    # z = (103/961 − 148/715) / 0.017624 = −0.099813 / 0.017624 = −5.66.
    now, before = result(103 / 961, 103, 961), result(148 / 715, 148, 715)
    p = 251 / 1676
    expected = (103 / 961 - 148 / 715) / math.sqrt(p * (1 - p) * (1 / 961 + 1 / 715))
    assert z_score("rate", now, before) == pytest.approx(expected)
    assert expected == pytest.approx(-5.66, abs=0.01)


def test_a_count_is_compared_as_poisson():
    # 130 deals after 100: (130 − 100)/√230 = 1.978 — not a move at |z| ≥ 3.
    assert z_score("count", result(130), result(100)) == pytest.approx(30 / math.sqrt(230))


def test_a_mean_assumes_a_spread_the_size_of_the_mean():
    # Proposal stage 19.1 days (1010 deals) → 31.6 (930):
    # (31.6 − 19.1)/√(31.6²/930 + 19.1²/1010) = 12.5/1.2103 = 10.33.
    z = z_score("average", result(31.6, sample_size=930), result(19.1, sample_size=1010))
    assert z == pytest.approx(12.5 / math.sqrt(31.6**2 / 930 + 19.1**2 / 1010))


def test_other_values_against_their_own_month_to_month_noise():
    # History 10, 12, 11, 13 → changes +2, −1, +2 (sd 1.732); a change of +6 → z 3.46.
    z = z_score("sum", result(19.0), result(13.0), [10, 12, 11, 13])
    assert z == pytest.approx(6 / math.sqrt(3))
    assert z_score("sum", result(19.0), result(13.0), [10, 12]) is None  # too little history


def test_maturing_cohorts_and_missing_values_are_not_compared():
    assert z_score("rate", result(0.0, 0, 40, maturing=True), result(0.2, 8, 40)) is None
    assert z_score("count", result(None), result(3)) is None
