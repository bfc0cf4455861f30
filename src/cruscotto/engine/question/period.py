"""Periods: half-open ranges of calendar days in the company's time zone.

A period knows its grain when it was made from one (a month, a quarter…), so that the
previous period of March is February, not "the 31 days before March 1".
Fiscal years are named after the calendar year in which they start: with a fiscal year
starting in July, "FY2026" runs from 2026-07-01 to 2027-06-30 and its Q1 is Jul–Sep 2026.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace

from cruscotto.engine.question.errors import PeriodError

GRAINS = ("day", "week", "month", "quarter", "year")

_QUARTER = re.compile(r"^(?P<fy>FY)?(?P<year>\d{4})-Q(?P<q>[1-4])$")
_FISCAL_YEAR = re.compile(r"^FY(?P<year>\d{4})$")
_MONTH = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})$")
_YEAR = re.compile(r"^(?P<year>\d{4})$")
_WEEK = re.compile(r"^(?P<year>\d{4})-W(?P<week>\d{2})$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _add_months(day: dt.date, months: int) -> dt.date:
    """The same day-of-month `months` later, clipped to the month's length (Jan 31 → Feb 28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (_first_of_month(year, month) + dt.timedelta(days=32)).replace(day=1)
    length = (last - _first_of_month(year, month)).days
    return dt.date(year, month, min(day.day, length))


def _first_of_month(year: int, month: int) -> dt.date:
    return dt.date(year, month, 1)


def _grain_start(day: dt.date, grain: str, fiscal_start: int) -> dt.date:
    """First day of the `grain` unit containing `day`."""
    if grain == "day":
        return day
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    months_per_unit = 3 if grain == "quarter" else 12
    # Months elapsed since the start of the fiscal year that contains `day`.
    offset = (day.month - fiscal_start) % 12
    first = _add_months(day.replace(day=1), -(offset % months_per_unit))
    return first


def _grain_step(start: dt.date, grain: str) -> dt.date:
    """First day of the unit after the one starting at `start`."""
    if grain == "day":
        return start + dt.timedelta(days=1)
    if grain == "week":
        return start + dt.timedelta(days=7)
    return _add_months(start, {"month": 1, "quarter": 3, "year": 12}[grain])


def _check_grain(grain: str) -> None:
    if grain not in GRAINS:
        raise PeriodError(f"unknown grain {grain!r}; use one of {', '.join(GRAINS)}")


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # exclusive
    grain: str | None = field(default=None, compare=False)
    fiscal_start: int = field(default=1, compare=False)

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise PeriodError(f"a period must end after it starts ({self.start} .. {self.end})")

    # -- making periods ------------------------------------------------------------------

    @classmethod
    def of(cls, grain: str, day: dt.date, fiscal_year_start_month: int = 1) -> Period:
        """The `grain` unit (day, week, month, quarter, year) that contains `day`."""
        _check_grain(grain)
        start = _grain_start(day, grain, fiscal_year_start_month)
        return cls(start, _grain_step(start, grain), grain, fiscal_year_start_month)

    @classmethod
    def between(cls, first: dt.date, last: dt.date) -> Period:
        """From `first` to `last`, both days included."""
        if last < first:
            raise PeriodError(f"the last day {last} is before the first day {first}")
        return cls(first, last + dt.timedelta(days=1))

    @classmethod
    def current(cls, grain: str, today: dt.date, fiscal_year_start_month: int = 1) -> Period:
        return cls.of(grain, today, fiscal_year_start_month)

    @classmethod
    def parse(cls, text: str, fiscal_year_start_month: int = 1) -> Period:
        """Read "2026-Q3", "FY2026", "2026-03", "2026", "2026-W05", "2026-03-15" or "a..b".

        A plain quarter ("2026-Q3") is a calendar quarter; "FY2026-Q1" is a fiscal quarter.
        In a range "2026-01-01..2026-03-31" the last day is included, as typed.
        """
        text = text.strip()
        fiscal = fiscal_year_start_month
        try:
            if ".." in text:
                first, last = (part.strip() for part in text.split("..", 1))
                return cls.between(dt.date.fromisoformat(first), dt.date.fromisoformat(last))
            if match := _QUARTER.match(text):
                year, quarter = int(match["year"]), int(match["q"])
                start_month = fiscal if match["fy"] else 1
                start = _add_months(dt.date(year, start_month, 1), 3 * (quarter - 1))
                return cls(start, _add_months(start, 3), "quarter", start_month)
            if match := _FISCAL_YEAR.match(text):
                start = dt.date(int(match["year"]), fiscal, 1)
                return cls(start, _add_months(start, 12), "year", fiscal)
            if match := _MONTH.match(text):
                return cls.of("month", dt.date(int(match["year"]), int(match["month"]), 1))
            if match := _YEAR.match(text):
                return cls.of("year", dt.date(int(match["year"]), 1, 1))
            if match := _WEEK.match(text):
                monday = dt.date.fromisocalendar(int(match["year"]), int(match["week"]), 1)
                return cls.of("week", monday)
            if _DAY.match(text):
                return cls.of("day", dt.date.fromisoformat(text))
        except ValueError as exc:
            raise PeriodError(f"not a valid period {text!r}: {exc}") from None
        raise PeriodError(
            f"not a valid period {text!r}; write 2026-Q3, FY2026-Q1, 2026-03, 2026, 2026-W05, "
            "2026-03-15 or 2026-01-01..2026-03-31"
        )

    # -- related periods -----------------------------------------------------------------

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def previous(self) -> Period:
        """The period of the same kind just before: February for March, else the same length."""
        if self.grain in ("month", "quarter", "year"):
            months = {"month": 1, "quarter": 3, "year": 12}[self.grain]
            return replace(self, start=_add_months(self.start, -months), end=self.start)
        return replace(self, start=self.start - dt.timedelta(days=self.days), end=self.start)

    def last_year(self) -> Period:
        """The same dates one year earlier (29 February becomes 28 February)."""
        if self.grain == "week":
            # The same ISO week number a year earlier, so weekdays line up.
            year, week, _ = self.start.isocalendar()
            try:
                monday = dt.date.fromisocalendar(year - 1, week, 1)
            except ValueError:  # week 53 in a year that has only 52
                monday = dt.date.fromisocalendar(year - 1, 52, 1)
            return replace(self, start=monday, end=monday + dt.timedelta(days=7))
        return replace(self, start=_add_months(self.start, -12), end=_add_months(self.end, -12))

    def split(self, grain: str, fiscal_year_start_month: int | None = None) -> list[Period]:
        """The `grain` units covering this period, the first and last clipped to it."""
        _check_grain(grain)
        fiscal = self.fiscal_start if fiscal_year_start_month is None else fiscal_year_start_month
        parts = []
        start = _grain_start(self.start, grain, fiscal)
        while start < self.end:
            following = _grain_step(start, grain)
            parts.append(Period(max(start, self.start), min(following, self.end), grain, fiscal))
            start = following
        return parts

    def contains(self, day: dt.date) -> bool:
        return self.start <= day < self.end

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    # -- naming --------------------------------------------------------------------------

    @property
    def is_whole(self) -> bool:
        """True when the period is exactly one unit of its grain (not clipped)."""
        if self.grain is None:
            return False
        return Period.of(self.grain, self.start, self.fiscal_start) == self

    @property
    def label(self) -> str:
        if self.is_whole:
            if self.grain == "day":
                return self.start.isoformat()
            if self.grain == "week":
                year, week, _ = self.start.isocalendar()
                return f"{year}-W{week:02d}"
            if self.grain == "month":
                return f"{self.start.year}-{self.start.month:02d}"
            if self.fiscal_start == 1:
                if self.grain == "quarter":
                    return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
                return str(self.start.year)
            fiscal_year = self.start.year if self.start.month >= self.fiscal_start else None
            fiscal_year = fiscal_year or self.start.year - 1
            if self.grain == "quarter":
                quarter = ((self.start.month - self.fiscal_start) % 12) // 3 + 1
                return f"FY{fiscal_year}-Q{quarter}"
            return f"FY{fiscal_year}"
        if self.days == 1:
            return self.start.isoformat()
        return f"{self.start.isoformat()}..{self.last_day.isoformat()}"

    def __str__(self) -> str:
        return self.label
