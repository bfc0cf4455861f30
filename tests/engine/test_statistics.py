"""Wilson intervals and the status rule."""

import pytest

from cruscotto.engine.question.statistics import status, wilson_interval


def test_wilson_for_the_seed_example():
    # 3 won of 25 opportunities (seed 002) is 12%, but the 95% interval is wide:
    # centre (0.12 + 1.96²/50)/(1 + 1.96²/25) = 0.1968/1.1537 = 0.1706;
    # half 1.96·√(0.12·0.88/25 + 1.96²/2500)/1.1537 = 1.96 × 0.07590 / 1.1537 = 0.1289.
    low, high = wilson_interval(3, 25)
    assert low == pytest.approx(0.1706 - 0.1289, abs=1e-4)
    assert high == pytest.approx(0.1706 + 0.1289, abs=1e-4)


def test_wilson_at_the_edges():
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(10, 10)[1] == pytest.approx(1.0)
    with pytest.raises(ValueError):
        wilson_interval(0, 0)


@pytest.mark.parametrize(
    ("value", "direction", "target", "band", "expected"),
    [
        (0.30, "higher", 0.25, None, "on_target"),
        (0.23, "higher", 0.25, None, "at_risk"),  # within 10% of 0.25 (≥ 0.225)
        (0.20, "higher", 0.25, None, "off_target"),
        (1.5, "lower", 2.0, None, "on_target"),
        (2.1, "lower", 2.0, None, "at_risk"),  # ≤ 2.2
        (3.0, "lower", 2.0, None, "off_target"),
        (0.16, "higher", None, (0.15, 0.20), "on_target"),  # reaches the band's bottom
        (1.5, "lower", None, (1, 2), "on_target"),  # under the band's top
        (None, "higher", 0.25, None, None),
        (0.5, "higher", None, None, None),
    ],
)
def test_status(value, direction, target, band, expected):
    low, high = band or (None, None)
    assert status(value, direction, target, low, high) == expected


@pytest.mark.parametrize(
    ("situation", "expected"),
    [
        # Lead conversion 0% for a month whose leads are still converting (issue 10):
        # far below a 15% target, but unfinished → pending, never off target.
        ({"unfinished": True}, "pending"),
        # 2 won of 2 (100%) against 25%: a sample of two judges nothing.
        ({"sampled": True, "sample_size": 2}, "too_few"),
        ({"sampled": True, "sample_size": 29}, "too_few"),
        # From 30 records on, the value is judged as before.
        ({"sampled": True, "sample_size": 30}, "off_target"),
        # A count is a fact however small: 0 deals against a target of 25%… is judged.
        ({"sampled": False, "sample_size": 2}, "off_target"),
    ],
)
def test_unfinished_and_small_samples_get_no_verdict(situation, expected):
    assert status(0.0, "higher", 0.25, **situation) == expected


def test_sample_aware_ranking_uses_the_low_end_of_the_interval():
    from cruscotto.engine.question.statistics import rank_value

    # 2 of 2 won: Wilson [0.342, 1]; 40 of 50: [0.670, 0.888] → 40 of 50 ranks first.
    two_of_two = rank_value(1.0, wilson_interval(2, 2)[0])
    forty_of_fifty = rank_value(0.8, wilson_interval(40, 50)[0])
    assert two_of_two == pytest.approx(0.3424, abs=1e-4)
    assert forty_of_fifty == pytest.approx(0.6696, abs=1e-4)
    assert forty_of_fifty > two_of_two
    # Without an interval the value itself ranks.
    assert rank_value(12.0, None) == 12.0 and rank_value(None, None) is None
