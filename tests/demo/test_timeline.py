"""The demo calendar: local days across daylight-saving changes, weighted moments."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from cruscotto.demo.timeline import Timeline

ROME = ZoneInfo("Europe/Rome")


def _utc_seconds(*args) -> int:
    return int(datetime(*args, tzinfo=ROME).timestamp())


def test_local_day_is_right_on_the_25_hour_day_and_around_it():
    timeline = Timeline.build(date(2026, 3, 18))
    # 2024-10-27 has 25 hours in Rome (clocks go back at 03:00): 23:30 is still the 27th.
    moments = [
        _utc_seconds(2024, 10, 27, 23, 30),
        _utc_seconds(2024, 10, 28, 0, 0),
        _utc_seconds(2025, 3, 30, 23, 59),  # the 23-hour day
        _utc_seconds(2024, 3, 1, 0, 0),  # window start
    ]
    days = timeline.local_day(np.array(moments)).astype("datetime64[D]").astype(str)
    assert list(days) == ["2024-10-27", "2024-10-28", "2025-03-30", "2024-03-01"]


def test_window_runs_from_the_first_of_the_month_24_months_back_to_today():
    timeline = Timeline.build(date(2026, 3, 18))
    assert timeline.start == _utc_seconds(2024, 3, 1)
    assert timeline.cutoff == _utc_seconds(2026, 3, 18)
    assert timeline.n_months == 25  # 24 full months and the current one


def test_spread_stays_within_bounds_on_working_hours_and_dips_in_august():
    timeline = Timeline.build(date(2026, 3, 18))
    rng = np.random.default_rng(0)
    lo = np.full(200_000, timeline.start)
    hi = np.full(200_000, timeline.cutoff - 1)
    moments = timeline.spread(rng, lo, hi)
    assert moments.min() >= timeline.start and moments.max() < timeline.cutoff
    local_hours = pd.to_datetime(moments, unit="s", utc=True).tz_convert(ROME).hour
    assert local_hours.min() >= 8 and local_hours.max() < 19
    months = timeline.local_day(moments).astype("datetime64[D]").astype("datetime64[M]")
    per_month = dict(zip(*np.unique(months.astype(str), return_counts=True), strict=True))
    # August 2025 has half the weight of its neighbours (AUGUST_WEIGHT = 0.5).
    assert per_month["2025-08"] < 0.65 * (per_month["2025-07"] + per_month["2025-09"]) / 2
