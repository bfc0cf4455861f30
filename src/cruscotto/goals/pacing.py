"""How much of a period's target should be done by a given day.

The target is spread over the period's months by last year's seasonal profile of the
KPI (each month's share of last year's same period), when a whole year of history
exists; otherwise by the months' working days. Within a month it is spread evenly over
the company's working days (`CompanySettings.working_weekdays` and `holidays`), so a
Monday after a weekend has not fallen behind.

Example (tests/goals/test_pacing.py): a target of 100 for November 2026, which has 21
working days (Mon–Fri); by the end of Friday 13 November 10 have passed, so 100 × 10/21 ≈
47.6 should be done.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from cruscotto.engine import Period
from cruscotto.settings import CompanySettings


def month_shares(
    settings: CompanySettings, period: Period, last_year_months: Sequence[float | None] | None
) -> list[float]:
    """Each month's share of the period: last year's profile if usable, else working days."""
    months = period.split("month")
    if last_year_months is not None and len(last_year_months) == len(months):
        values = [v for v in last_year_months if v is not None]
        total = sum(values)
        if len(values) == len(months) and total > 0 and min(values) >= 0:
            return [v / total for v in values]
    days = [_working_or_calendar_days(settings, m.start, m.end) for m in months]
    return [d / sum(days) for d in days]


def elapsed_share(
    settings: CompanySettings, period: Period, cut: dt.date, shares: Sequence[float]
) -> float:
    """The share of the period's expected volume that falls before `cut` (0 to 1)."""
    if cut <= period.start:
        return 0.0
    if cut >= period.end:
        return 1.0
    done = 0.0
    for month, share in zip(period.split("month"), shares, strict=True):
        if cut >= month.end:
            done += share
        elif cut > month.start:
            whole = _working_or_calendar_days(settings, month.start, month.end)
            part = _working_or_calendar_days(settings, month.start, cut, whole_month=month)
            done += share * part / whole
    return min(done, 1.0)


def day_weights(settings: CompanySettings, period: Period, shares: Sequence[float]) -> list[float]:
    """Each day's share of the period's expected volume (0 on days the company is closed)."""
    weights = []
    for month, share in zip(period.split("month"), shares, strict=True):
        whole = _working_or_calendar_days(settings, month.start, month.end)
        counts_working = settings.working_days(month.start, month.end) > 0
        for i in range(month.days):
            day = month.start + dt.timedelta(days=i)
            works = settings.is_working_day(day) or not counts_working
            weights.append(share / whole if works else 0.0)
    return weights


def expected_path(
    settings: CompanySettings, period: Period, shares: Sequence[float], target: float, kind: str
) -> list[tuple[dt.date, float]]:
    """(day, value expected by the end of that day) for every day of the period: the
    running share of the target for counts and sums, the target itself for the others."""
    path, running = [], 0.0
    for i, weight in enumerate(day_weights(settings, period, shares)):
        running += weight
        value = target * min(running, 1.0) if kind in ("count", "sum") else target
        path.append((period.start + dt.timedelta(days=i), value))
    return path


def months_before(day: dt.date, months: int) -> dt.date:
    """The first of the month `months` months before `day`'s month."""
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def _working_or_calendar_days(
    settings: CompanySettings, start: dt.date, end: dt.date, whole_month: Period | None = None
) -> int:
    """Working days in [start, end); calendar days for a month without any (a company
    closed all August still has August's calendar)."""
    month = whole_month or Period(start, end)
    if settings.working_days(month.start, month.end) == 0:
        return (end - start).days
    return settings.working_days(start, end)
