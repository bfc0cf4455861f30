"""Mix and rate effects, computed by hand on a two-channel example."""

from __future__ import annotations

import pytest

from cruscotto.goals.decomposition import decompose_rate, decompose_sum


def test_win_rate_change_split_into_mix_and_rate_effects():
    # Before: Direct 30 won of 50 (60%), Marketplace 20 of 50 (40%) → 50 of 100 = 50%.
    # After:  Direct 24 of 40 (60%), Marketplace 18 of 60 (30%) → 42 of 100 = 42%.
    # Total change −8 points.
    # Direct:      w 0.5 → 0.4, r 0.6 → 0.6: mix (−0.1)(0.6) = −0.06, rate 0.
    # Marketplace: w 0.5 → 0.6, r 0.4 → 0.3: mix (+0.1)(0.35) = +0.035,
    #              rate (0.55)(−0.1) = −0.055.
    # Sum: −0.06 + 0.035 − 0.055 = −0.08 ✓.
    d = decompose_rate(
        "channel",
        {"direct": (30, 50), "marketplace": (20, 50)},
        {"direct": (24, 40), "marketplace": (18, 60)},
    )
    assert (d.before, d.after, d.change) == pytest.approx((0.5, 0.42, -0.08))
    effects = {e.key: e for e in d.effects}
    assert effects["direct"].mix == pytest.approx(-0.06) and effects["direct"].rate == 0.0
    assert effects["marketplace"].mix == pytest.approx(0.035)
    assert effects["marketplace"].rate == pytest.approx(-0.055)
    assert sum(e.total for e in d.effects) == pytest.approx(d.change, abs=1e-12)
    # Largest net effect first: Direct −0.06, then Marketplace −0.02.
    assert [e.key for e in d.effects] == ["direct", "marketplace"]


def test_a_segment_in_one_period_only_has_no_rate_effect():
    # Before: A 5 of 10 (50%). After: A 5 of 10, B (new) 0 of 10 → 5 of 20 = 25%.
    # A: w 1 → 0.5, r 0.5: mix (−0.5)(0.5) = −0.25; B: w 0 → 0.5, r 0 (both): mix 0.
    d = decompose_rate("channel", {"A": (5, 10)}, {"A": (5, 10), "B": (0, 10)})
    effects = {e.key: e for e in d.effects}
    assert effects["A"].mix == pytest.approx(-0.25) and effects["B"].total == 0.0
    assert sum(e.total for e in d.effects) == pytest.approx(d.change) == pytest.approx(-0.25)


def test_no_trials_no_decomposition():
    assert decompose_rate("rep", {}, {"r1": (1, 2)}) is None


def test_counts_split_by_segment():
    # Deals won 12 → 9: r1 5 → 6 (+1), r2 7 → 3 (−4); r3 new with 0 → 0.
    d = decompose_sum("rep", {"r1": 5, "r2": 7}, {"r1": 6, "r2": 3, "r3": 0})
    assert (d.before, d.after, d.change) == (12, 9, -3)
    assert [(e.key, e.total) for e in d.effects] == [("r2", -4), ("r1", 1), ("r3", 0)]
