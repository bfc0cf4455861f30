"""The demo company's calendar: which days are busy, and moments drawn on them.

Events are drawn on working hours (08:00–19:00) in the company's time zone, with day
weights that carry the weekly rhythm (quiet weekends), the August dip, the Christmas
break and the company's growth. Times are seconds since the epoch, in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

DAY = 86_400
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
HOUR = 3_600
WORK_START = time(8, 0)
WORK_SECONDS = 11 * HOUR
WEEKDAY_WEIGHT = (1.0, 1.0, 1.0, 1.0, 0.9, 0.08, 0.04)
AUGUST_WEIGHT = 0.5  # story line: Italian companies slow down in August
CHRISTMAS_WEIGHT = 0.6
GROWTH_OVER_WINDOW = 0.3  # volume grows 30% from the first month to the last
WINDOW_MONTHS = 24
# Days simulated past today, so deals still open today have a (hidden) future.
FUTURE_DAYS = 450
PAST_DAYS = 31
FUTURE_MONTHS = 14


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Timeline:
    today: date
    zone: ZoneInfo
    start: int  # first moment of the window (local midnight, first day of the month)
    cutoff: int  # local midnight at the start of today: nothing happens from here on
    first_day: date
    day_starts: np.ndarray  # UTC second of each day's local midnight
    work_starts: np.ndarray  # UTC second of each day's 08:00 local
    cumulative: np.ndarray  # cumulative day weight, len(days) + 1
    month_starts: np.ndarray  # UTC second of each window month's local midnight, + the next
    utc_offsets: np.ndarray  # seconds the local clock is ahead of UTC, per day

    @classmethod
    def build(cls, today: date, zone: str = "Europe/Rome") -> Timeline:
        tz = ZoneInfo(zone)
        window_start = add_months(today.replace(day=1), -WINDOW_MONTHS)
        first_day = window_start - timedelta(days=PAST_DAYS)
        n_days = (today - first_day).days + FUTURE_DAYS
        days = [first_day + timedelta(days=i) for i in range(n_days)]

        def utc(day: date, at: time = time(0, 0)) -> int:
            return int(datetime.combine(day, at, tzinfo=tz).timestamp())

        day_starts = np.array([utc(d) for d in days], dtype=np.int64)
        work_starts = np.array([utc(d, WORK_START) for d in days], dtype=np.int64)
        start, cutoff = utc(window_start), utc(today)
        progress = np.clip((day_starts - start) / (cutoff - start), 0.0, 1.0)
        weights = np.array([_seasonal_weight(d) for d in days]) * (
            1.0 + GROWTH_OVER_WINDOW * progress
        )
        # Month starts run past today so simulated futures (forecast months) have an index.
        months = [add_months(window_start, i) for i in range(WINDOW_MONTHS + FUTURE_MONTHS)]
        return cls(
            today=today,
            zone=tz,
            start=start,
            cutoff=cutoff,
            first_day=first_day,
            day_starts=day_starts,
            work_starts=work_starts,
            cumulative=np.concatenate([[0.0], np.cumsum(weights)]),
            month_starts=np.array([utc(m) for m in months], dtype=np.int64),
            utc_offsets=np.array([d.toordinal() - EPOCH_ORDINAL for d in days]) * DAY - day_starts,
        )

    # -- positions in time ------------------------------------------------------------

    @property
    def n_months(self) -> int:
        """Window months, the current (partial) one included."""
        return WINDOW_MONTHS + 1

    def month_of(self, seconds: np.ndarray) -> np.ndarray:
        """Index of the window month each moment falls in (-1 before the window)."""
        return np.searchsorted(self.month_starts, seconds, side="right") - 1

    def day_of(self, seconds: np.ndarray) -> np.ndarray:
        return np.clip(
            np.searchsorted(self.day_starts, seconds, side="right") - 1,
            0,
            len(self.day_starts) - 1,
        )

    def local_day(self, seconds: np.ndarray) -> np.ndarray:
        """The local calendar day of each moment, as days since 1970-01-01."""
        seconds = np.asarray(seconds, dtype=np.int64)
        day = np.searchsorted(self.day_starts, seconds, side="right") - 1
        inside = (day >= 0) & (day < len(self.day_starts) - 1)
        # Outside the calendar (old contracts, far plans) the nearest day's UTC offset is
        # used; inside, the day index itself, which is right on 23- and 25-hour days too.
        edge = np.clip(day, 0, len(self.day_starts) - 1)
        approximate = (seconds + self.utc_offsets[edge]) // DAY
        first = self.first_day.toordinal() - EPOCH_ORDINAL
        return np.where(inside, first + day, approximate)

    def progress(self, seconds: np.ndarray) -> np.ndarray:
        """0 at the start of the window, 1 at today (clipped outside)."""
        return np.clip((np.asarray(seconds) - self.start) / (self.cutoff - self.start), 0.0, 1.0)

    def weight_between(self, lo: int, hi: int) -> float:
        return float(self._position(np.array([hi]))[0] - self._position(np.array([lo]))[0])

    # -- drawing moments --------------------------------------------------------------

    def spread(self, rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """One moment per pair in [lo, hi], on working hours, weighted by the calendar."""
        lo = np.asarray(lo, dtype=np.int64)
        hi = np.maximum(np.asarray(hi, dtype=np.int64), lo)
        a, b = self._position(lo), self._position(hi)
        moments = self._moment(a + rng.random(lo.shape) * (b - a))
        return np.clip(moments, lo, hi)

    def _position(self, seconds: np.ndarray) -> np.ndarray:
        # Where a moment sits on the cumulative weight scale (monotone in the moment).
        day = self.day_of(seconds)
        within = np.clip((seconds - self.work_starts[day]) / WORK_SECONDS, 0.0, 1.0)
        weight = self.cumulative[day + 1] - self.cumulative[day]
        return self.cumulative[day] + within * weight

    def _moment(self, position: np.ndarray) -> np.ndarray:
        day = np.clip(
            np.searchsorted(self.cumulative, position, side="right") - 1,
            0,
            len(self.day_starts) - 1,
        )
        weight = self.cumulative[day + 1] - self.cumulative[day]
        within = np.where(weight > 0, (position - self.cumulative[day]) / weight, 0.0)
        return self.work_starts[day] + (within * WORK_SECONDS).astype(np.int64)


def _seasonal_weight(day: date) -> float:
    weight = WEEKDAY_WEIGHT[day.weekday()]
    if day.month == 8:
        weight *= AUGUST_WEIGHT
    if (day.month == 12 and day.day >= 24) or (day.month == 1 and day.day <= 6):
        weight *= CHRISTMAS_WEIGHT
    return weight
