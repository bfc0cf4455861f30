"""Projections on small fixtures, each number worked out by hand beside the assertion."""

from __future__ import annotations

import math

import pytest
from scipy.stats import norm

from cruscotto.goals.projection import (
    Z_80,
    Baseline,
    baseline,
    final,
    project_additive,
    project_average,
    project_rate,
    project_snapshot,
)


def test_z_80_is_the_normal_quantile():
    assert abs(Z_80 - 1.2815516) < 1e-6


def test_a_count_on_pace_without_history():
    # 10 leads in the 10 working days out of 21 gone: s = 10/21, pace P = 10 / s = 21.
    # Every day brought exactly its share (1 each), so Pearson φ = 0 → floored at 1 for a
    # count (Poisson). Relative variances: pace (φ/P)(1-s)/s = (1/21)(11/10) = 0.052381;
    # end: L²[(1-s)² × 0.052381 + (φ/L)(1-s)] = 441 × (0.274376 × 0.052381 + 0.024943)
    #    = 441 × 0.039315 = 17.338 → sd 4.1639. Projection 10 + (11/21) × 21 = 21.
    s = 10 / 21
    blocks = [(1.0, 1 / 21)] * 10
    p = project_additive(10.0, s, blocks, None, min_dispersion=1.0)
    assert p.method == "pace"
    assert p.value == pytest.approx(21.0)
    assert p.sd == pytest.approx(math.sqrt(441 * ((11 / 21) ** 2 * (1 / 21) * 1.1 + 11 / 441)))
    assert p.sd == pytest.approx(4.1639, abs=1e-4)
    # 80% interval 21 ± 1.28155 × 4.1639 = 15.66 – 26.34.
    assert (p.low, p.high) == pytest.approx((21 - 5.3363, 21 + 5.3363), abs=1e-3)
    # Reaching 22: 1 − Φ((22 − 21)/4.1639) = 1 − Φ(0.24016) = 0.4051.
    assert p.probability(22, "higher") == pytest.approx(0.4051, abs=1e-4)
    # A goal where lower is better (complaints ≤ 22): Φ(0.24016) = 0.5949.
    assert p.probability(22, "lower") == pytest.approx(0.5949, abs=1e-4)


def test_pace_and_history_are_weighted_by_how_far_each_can_be_trusted():
    # Same pace as above (P = 21, relative variance 0.052381); history expects 30 with
    # a usual miss of 20% (variance 0.04). Weight of the pace = 0.04 / (0.04 + 0.052381)
    # = 0.43299; level = 0.43299 × 21 + 0.56701 × 30 = 26.103; rest = (11/21) × 26.103
    # = 13.673 → projection 23.673.
    s = 10 / 21
    p = project_additive(
        10.0, s, [(1.0, 1 / 21)] * 10, Baseline(30.0, 0.2, "recent_mean"), min_dispersion=1.0
    )
    weight = 0.04 / (0.04 + (1 / 21) * 1.1)
    level = weight * 21 + (1 - weight) * 30
    assert p.method == "pace_and_history"
    assert weight == pytest.approx(0.43299, abs=1e-5)
    assert p.value == pytest.approx(10 + (11 / 21) * level)
    assert p.value == pytest.approx(23.673, abs=1e-3)
    level_var = 0.04 * (1 / 21 * 1.1) / (0.04 + 1 / 21 * 1.1)
    expected_var = level**2 * ((11 / 21) ** 2 * level_var + (1 / level) * (11 / 21))
    assert p.sd == pytest.approx(math.sqrt(expected_var))


def test_noisy_days_widen_the_interval():
    # Days of 0, 2, 0, 2 … (same total) have φ = Σ (x − 1)²/1 / (n − 1) = 10/9 > 1.
    s = 10 / 21
    even = project_additive(10.0, s, [(1.0, 1 / 21)] * 10, None, min_dispersion=1.0)
    lumpy = project_additive(10.0, s, [(0.0, 1 / 21), (2.0, 1 / 21)] * 5, None)
    assert lumpy.value == pytest.approx(even.value)
    assert lumpy.sd == pytest.approx(even.sd * math.sqrt(10 / 9))


def test_past_months_straying_from_the_profile_widen_the_interval():
    # 500 so far at s = 5/6 (the profile of tests/goals/test_pacing.py), one block, so
    # φ = 1: pace P = 600, relative variance (1/600)(1/6)/(5/6) = 1/3000; rest 100.
    # The flow's variance: 100² × 1/3000 + 1 × 100 = 103.33 (sd 10.17). Past months at this
    # point strayed e = 1.2 × √0.125 (e² = 0.18): the pace alone (w = 1) ends off by e of
    # the total, variance (600 × e × (5/6 + 1/6))² = 600² × 0.18 = 64,800. Both say how
    # the month departs from its path: the larger, 64,800, counts (sd 254.56).
    s, e = 5 / 6, 1.2 * math.sqrt(0.125)
    blocks = [(500.0, s)]
    narrow = project_additive(500.0, s, blocks, None)
    wide = project_additive(500.0, s, blocks, None, pace_error=e)
    assert narrow.sd == pytest.approx(math.sqrt(100**2 / 3000 + 100))
    assert wide.value == narrow.value == pytest.approx(600.0)
    assert wide.sd == pytest.approx(math.sqrt(64_800))
    assert wide.sd == pytest.approx(254.56, abs=0.01)
    # 80%: 600 ± 1.28155 × 254.56 = 273.8 – 926.2 (a month like August ends at 1000: out).
    assert (wide.low, wide.high) == pytest.approx((273.8, 926.2), abs=0.1)
    # Months that kept to the profile (e = 0.001: variance 600² × 1e-6 = 0.36) leave the
    # flow's 103.33.
    assert project_additive(500.0, s, blocks, None, pace_error=0.001).sd == pytest.approx(narrow.sd)
    # With history (700 ± 10%): pace weight w = 0.01 / (0.01 + 1/3000) = 0.967742, level
    # 603.226, rest 100.538, projection 600.538; the miss is scaled by (s + w(1 − s)) =
    # 0.994624 (the history's share of the rest does not carry it): 600.538² × 0.18 ×
    # 0.994624² = 64,220 against the flow's 100.538² × 0.000322581 + 100.538 = 103.80.
    p = project_additive(500.0, s, blocks, Baseline(700.0, 0.1, "recent_mean"), pace_error=e)
    w = 0.01 / (0.01 + 1 / 3000)
    rest = (1 - s) * (w * 600 + (1 - w) * 700)
    assert p.value == pytest.approx(600.538, abs=1e-3)
    miss = (500 + rest) * e * (s + w * (1 - s))
    assert p.sd == pytest.approx(miss)
    assert p.sd**2 == pytest.approx(64_220, abs=1)


def test_a_period_over_is_final_and_certain():
    p = project_additive(42.0, 1.0, [], None)
    assert (p.value, p.low, p.high, p.method) == (42.0, 42.0, 42.0, "final")
    assert p.probability(42, "higher") == 1.0 and p.probability(43, "higher") == 0.0
    assert final(None).probability(1, "higher") is None


def test_before_the_period_starts_history_speaks_alone():
    p = project_additive(0.0, 0.0, [], Baseline(30.0, 0.2, "recent_mean"))
    # Level 30 with relative variance 0.04 plus Poisson-like 1/30: 900 × (0.04 + 1/30) = 66.
    assert p.value == 30.0 and p.sd == pytest.approx(math.sqrt(66.0))
    assert project_additive(0.0, 0.0, [], None).value is None


def test_baseline_is_last_year_scaled_by_recent_growth():
    # A company that doubled: 12 months of 10, then 12 months of 20. Next month = last
    # year's same month (20) × last three months (60) ÷ the same three a year before (30).
    history = [10.0] * 12 + [20.0] * 12
    b = baseline(history, 12)
    assert b.method == "last_year_growth" and b.value == pytest.approx(40.0)
    # The same method on months 15–23 of the history: 10 × 60/30 = 20, exactly right
    # every time → an RMS error of 0, floored at 1%.
    assert b.relative_error == pytest.approx(0.01)


def test_baseline_without_a_year_is_the_recent_mean():
    b = baseline([8.0, 10.0, 12.0, 14.0], 12)
    # (10 + 12 + 14) / 3 = 12. Past misses of the same method: month 1 (10 vs 8) +25%,
    # month 2 (12 vs 9) +33.3%, month 3 (14 vs 10) +40% → RMS √((.0625+.1111+.16)/3) = .3333.
    assert b.method == "recent_mean" and b.value == pytest.approx(12.0)
    assert b.relative_error == pytest.approx(math.sqrt((0.25**2 + (1 / 3) ** 2 + 0.4**2) / 3))
    assert baseline([], 12) is None


def test_a_rate_blends_the_period_with_its_history():
    # History: three periods at 5 of 10 — no variation beyond the binomial, so the prior
    # (p0 = 0.5) is worth the maximum of 2000 trials. This period: 6 of 10, half gone.
    # p~ = (6 + 1000)/(10 + 2000) = 0.500498; 10 more trials expected (10 × 0.5/0.5);
    # end = (6 + 10 × 0.500498)/20 = 0.550249.
    p = project_rate(6, 10, 0.5, [(5, 10)] * 3)
    posterior = 1006 / 2010
    assert p.value == pytest.approx((6 + 10 * posterior) / 20)
    assert p.value == pytest.approx(0.550249, abs=1e-6)
    variance = (10 * posterior * (1 - posterior) + 100 * posterior * (1 - posterior) / 2011) / 400
    assert p.sd == pytest.approx(math.sqrt(variance))
    # The interval stays inside 0–1.
    assert 0.0 <= p.low <= p.value <= p.high <= 1.0


def test_a_maturing_cohort_is_judged_on_its_history_only():
    # 0 of 40 converted so far says nothing yet: the projection is the history's 30%.
    p = project_rate(0, 40, 0.6, [(30, 100), (30, 100), (30, 100)], maturing=True)
    assert p.method == "history" and p.value == pytest.approx(0.3, abs=1e-3)


def test_an_average_moves_from_history_to_the_period():
    # Cycle length so far 80 days, half the period gone; the last three periods 70, 80, 90
    # (mean 80); spread of 60, 70, 80, 90 = √(500/3) = 12.910 → sd 12.910 × √0.5 = 9.129.
    p = project_average(80.0, 0.5, [60.0, 70.0, 80.0, 90.0])
    assert p.value == pytest.approx(80.0)
    assert p.sd == pytest.approx(math.sqrt(500 / 3) * math.sqrt(0.5))
    # At 100 so far: 0.5 × 100 + 0.5 × 80 = 90.
    assert project_average(100.0, 0.5, [60.0, 70.0, 80.0, 90.0]).value == pytest.approx(90.0)


def test_a_snapshot_follows_its_drift():
    # Pipeline rising 10 a month, steadily: 100 now, two months left → 120, no spread.
    p = project_snapshot(100.0, 2.0, [10, 20, 30, 40, 50, 60, 70, 80])
    assert p.value == pytest.approx(120.0) and p.sd == pytest.approx(0.0)
    # Changes 10, 30, 10, 30: drift 20, spread sd(10, 30, 10, 30) = 11.547 × √1.
    q = project_snapshot(100.0, 1.0, [0, 10, 40, 50, 80])
    assert q.value == pytest.approx(120.0)
    assert q.sd == pytest.approx(11.547, abs=1e-3)
    assert q.probability(120, "higher") == pytest.approx(0.5)
    assert q.probability(100, "higher") == pytest.approx(float(norm.sf(-20 / 11.547)), abs=1e-4)
