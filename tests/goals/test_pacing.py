"""Pacing: how much of a target should be done by a day (hand-counted calendars)."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from cruscotto.engine import Period
from cruscotto.goals.pacing import (
    WORKING_DAYS,
    WithinMonth,
    day_weights,
    elapsed_share,
    expected_path,
    learn_within_month,
    month_shares,
    pace_error,
)
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


def _daily(month: Period, on_day) -> tuple[Period, list[float]]:
    """A month's daily values, `on_day(day)` each."""
    return month, [on_day(month.start + dt.timedelta(days=i)) for i in range(month.days)]


SUMMER = [Period.parse(f"2026-{m:02d}") for m in (6, 7, 8, 9, 10)]


def test_invoices_issued_on_the_first_pace_the_month_by_its_first_day():
    # June–October: everything invoiced on the 1st. Left out in turn, the other four months
    # still say "all on the 1st" (a gap of 0 every day), while working days would expect a
    # gradual climb: the day-of-month profile is kept, all of it on day 1.
    settings = CompanySettings()
    within = learn_within_month(
        settings, [_daily(m, lambda d: 100.0 * (d.day == 1)) for m in SUMMER]
    )
    assert within.method == "day_of_month"
    assert within.by_day == pytest.approx((1.0,) + (0.0,) * 30)
    # So by Saturday 14 November the whole month's revenue should be in (working days
    # would say 10/21), and the expected path reaches the target on Sunday the 1st.
    assert elapsed_share(settings, NOVEMBER, SATURDAY, [1.0], within) == 1.0
    assert elapsed_share(settings, NOVEMBER, NOVEMBER.start, [1.0], within) == 0.0
    path = dict(expected_path(settings, NOVEMBER, [1.0], 500.0, "sum", within))
    assert path[dt.date(2026, 11, 1)] == 500.0 and path[dt.date(2026, 11, 30)] == 500.0


def test_a_lump_on_the_first_and_the_rest_spread_is_paced_by_both():
    # Each month 60 on the 1st and 1 on each other calendar day: the profile's day 1 is
    # 60/(60 + days − 1) averaged over June (30 d: 60/89), July (31: 60/90), August (60/90),
    # September (60/89), October (60/90).
    settings = CompanySettings()
    months = [_daily(m, lambda d: 60.0 if d.day == 1 else 1.0) for m in SUMMER]
    within = learn_within_month(settings, months)
    first = (60 / 89 * 2 + 60 / 90 * 3) / 5
    assert within.by_day[0] == pytest.approx(first)
    # November has 30 days, all 31 weights but the 31st count: by the 14th, days 1–13.
    day31 = (1 / 90 * 3) / 5  # only July, August and October have a 31st
    november = [w / (1 - day31) for w in within.by_day[:30]]
    assert elapsed_share(settings, NOVEMBER, SATURDAY, [1.0], within) == pytest.approx(
        sum(november[:13])
    )


def test_a_steady_weekday_flow_keeps_working_days():
    # One lead on each working day: working days describe every month exactly (gap 0),
    # a day-of-month profile cannot (weekdays fall on other dates each month).
    settings = CompanySettings()
    months = [_daily(m, lambda d: float(settings.is_working_day(d))) for m in SUMMER]
    assert learn_within_month(settings, months) == WORKING_DAYS
    # Too few months with anything in them to learn from: working days.
    empty = [_daily(m, lambda d: 0.0) for m in SUMMER[:3]]
    first_only = [_daily(m, lambda d: 100.0 * (d.day == 1)) for m in SUMMER[3:]]
    assert learn_within_month(settings, empty + first_only) is WORKING_DAYS
    # Working days weigh as before: 1/21 on each of November's working days.
    assert WORKING_DAYS.weights(settings, NOVEMBER) == day_weights(settings, NOVEMBER, [1.0])
    assert WithinMonth(None) == WORKING_DAYS


def test_how_far_past_months_strayed_from_the_profile_says_how_wrong_the_pace_can_be():
    # June and July: 100 invoiced on the 1st; August: 50 on the 1st and 50 on the 16th.
    # Profile: day 1 (1 + 1 + 0.5)/3 = 5/6, day 16 1/6. Each month against the profile of
    # the other two (running share after k days, real − model):
    #   June   vs (July, August): model 0.75 after days 1–15, 1 after; real 1 → +0.25 for k 1–15
    #   July   vs (June, August): the same, +0.25 for k 1–15
    #   August vs (June, July):   model 1 from day 1; real 0.5 until the 16th → −0.5 for k 1–15
    # and 0 from the 16th on. The profile's gaps (about 0.5 summed) beat working days'.
    settings = CompanySettings()
    june, july, august = (Period.parse(f"2026-{m:02d}") for m in (6, 7, 8))
    within = learn_within_month(
        settings,
        [
            _daily(june, lambda d: 100.0 * (d.day == 1)),
            _daily(july, lambda d: 100.0 * (d.day == 1)),
            _daily(august, lambda d: 50.0 * (d.day in (1, 16))),
        ],
    )
    assert within.method == "day_of_month"
    assert within.by_day[0] == pytest.approx(5 / 6) and within.by_day[15] == pytest.approx(1 / 6)
    assert within.misses[0] == pytest.approx((0.0,) + (0.25,) * 15 + (0.0,) * 15)
    assert within.misses[2] == pytest.approx((0.0,) + (-0.5,) * 15 + (0.0,) * 16)
    # After 13 days (Saturday 14 November): √((0.25² + 0.25² + 0.5²)/3) = √0.125.
    assert within.share_error(13) == pytest.approx(math.sqrt(0.125))
    assert within.share_error(16) == 0.0
    # November by the 14th is expected at s = 5/6 of its total; a month like those would
    # be at r, so the pace misses by (r − s)/s: √0.125 / (5/6) = 0.42426.
    assert pace_error(settings, NOVEMBER, SATURDAY, [1.0], within) == pytest.approx(
        math.sqrt(0.125) * 6 / 5
    )
    # In a quarter (last year's shares 30%, 50%, 20%) only November is uncertain: its
    # 0.5 × √0.125 over the quarter's elapsed 0.3 + 0.5 × 5/6 = 0.716667 → 0.24667.
    error = pace_error(settings, Q4, SATURDAY, [0.3, 0.5, 0.2], within)
    assert error == pytest.approx(0.5 * math.sqrt(0.125) / (0.3 + 0.5 * 5 / 6))
    assert error == pytest.approx(0.24667, abs=1e-5)
    # Nothing elapsed yet, or nothing learnt (counts keep plain working days): no error.
    assert pace_error(settings, NOVEMBER, NOVEMBER.start, [1.0], within) is None
    assert pace_error(settings, NOVEMBER, SATURDAY, [1.0], WORKING_DAYS) is None
