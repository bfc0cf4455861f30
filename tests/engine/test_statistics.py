"""Wilson intervals and the status rule."""

import pytest

from cruscotto.engine.statistics import status, wilson_interval


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
