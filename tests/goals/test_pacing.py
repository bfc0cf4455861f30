"""Pacing: how much of a target should be done by a day (hand-counted calendars)."""

from __future__ import annotations

import datetime as dt

import pytest

from cruscotto.engine import Period
from cruscotto.goals.pacing import day_weights, elapsed_share, expected_path, month_shares
from cruscotto.settings import CompanySettings

NOVEMBER = Period.parse("2026-11")
Q4 = Period.parse("2026-Q4")
# Saturday 14 November 2026: Mon 2 – Fri 13 November are 10 working days behind us.
SATURDAY = dt.date(2026, 11, 14)


def test_working_days_of_november_2026():
    # 1 Nov is a Sunday; Mon–Fri weeks: 2–6, 9–13, 16–20, 23–27 and Mon 30 → 4 × 5 + 1 = 21.
    assert CompanySettings().working_days(NOVEMBER.start, NOVEMBER.end) == 21


def test_a_month_is_paced_by_working_days():
    settings = CompanySettings()
    shares = month_shares(settings, NOVEMBER, None)
    assert shares == [1.0]
    # 10 of 21 working days: 100 × 10/21 = 47.62 expected by the weekend.
    assert elapsed_share(settings, NOVEMBER, SATURDAY, shares) == pytest.approx(10 / 21)
    # The weekend adds nothing: Monday morning expects the same as Saturday.
    assert elapsed_share(settings, NOVEMBER, dt.date(2026, 11, 16), shares) == pytest.approx(
        10 / 21
    )


def test_holidays_and_working_weekdays_come_from_the_company():
    # Closed on Monday 2 November: 20 working days, 9 of them before the 14th.
    closed = CompanySettings(holidays=[dt.date(2026, 11, 2)])
    assert elapsed_share(closed, NOVEMBER, SATURDAY, [1.0]) == pytest.approx(9 / 20)
    # A six-day week (Mon–Sat): 21 + 4 Saturdays (7, 14, 21, 28) = 25; by the 14th
    # (the 14th itself not yet over) 10 + 1 (Sat 7) = 11.
    six_days = CompanySettings(working_weekdays=[1, 2, 3, 4, 5, 6])
    assert elapsed_share(six_days, NOVEMBER, SATURDAY, [1.0]) == pytest.approx(11 / 25)


def test_a_quarter_follows_last_years_seasonal_profile():
    settings = CompanySettings()
    # Last year's October, November, December brought 30, 50 and 20 (of 100).
    shares = month_shares(settings, Q4, [30, 50, 20])
    assert shares == pytest.approx([0.3, 0.5, 0.2])
    # By 14 November: all of October (0.3) + 10/21 of November's 0.5 = 0.5381.
    assert elapsed_share(settings, Q4, SATURDAY, shares) == pytest.approx(0.3 + 0.5 * 10 / 21)


def test_without_a_year_of_history_a_quarter_follows_working_days():
    settings = CompanySettings()
    # October 2026: 22 working days, November 21, December 23 → 66.
    shares = month_shares(settings, Q4, None)
    assert shares == pytest.approx([22 / 66, 21 / 66, 23 / 66])
    # An unusable profile (a month missing, nothing at all) falls back the same way.
    assert month_shares(settings, Q4, [30, None, 20]) == pytest.approx(shares)
    assert month_shares(settings, Q4, [0, 0, 0]) == pytest.approx(shares)
    assert elapsed_share(settings, Q4, SATURDAY, shares) == pytest.approx((22 + 10) / 66)


def test_before_and_after_the_period():
    settings = CompanySettings()
    assert elapsed_share(settings, NOVEMBER, dt.date(2026, 10, 1), [1.0]) == 0.0
    assert elapsed_share(settings, NOVEMBER, dt.date(2026, 12, 5), [1.0]) == 1.0


def test_the_expected_path_climbs_on_working_days_only():
    settings = CompanySettings()
    weights = day_weights(settings, NOVEMBER, [1.0])
    assert len(weights) == 30 and sum(weights) == pytest.approx(1.0)
    assert weights[0] == 0.0  # Sunday 1 November
    path = dict(expected_path(settings, NOVEMBER, [1.0], 210.0, "count"))
    # By the end of Friday 13 November: 10 working days × 210/21 = 100; Saturday the same.
    assert path[dt.date(2026, 11, 13)] == pytest.approx(100.0)
    assert path[dt.date(2026, 11, 14)] == pytest.approx(100.0)
    assert path[dt.date(2026, 11, 30)] == pytest.approx(210.0)
    # A rate's target holds every day.
    rates = dict(expected_path(settings, NOVEMBER, [1.0], 0.3, "rate"))
    assert set(rates.values()) == {0.3}
