"""How much of a period's target should be done by a given day.

The target is spread over the period's months by last year's seasonal profile of the
KPI (each month's share of last year's same period), when a whole year of history
exists; otherwise by the months' working days. Within a month it follows when the KPI's
volume actually arrives (`WithinMonth`): evenly over the company's working days
(`CompanySettings.working_weekdays` and `holidays`), so a Monday after a weekend has not
fallen behind — or, for sums whose past months arrived on particular days of the month
(invoices issued on the 1st), by their day-of-month profile, whichever of the two
described each of the past months better when that month was left out of it.

Example (tests/goals/test_pacing.py): a target of 100 for November 2026, which has 21
working days (Mon–Fri); by the end of Friday 13 November 10 have passed, so 100 × 10/21 ≈
47.6 should be done.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

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


# The fewest past months (with a positive total) a day-of-month profile is learnt from.
MIN_PROFILE_MONTHS = 3


@dataclass(frozen=True)
class WithinMonth:
    """How a month's volume arrives over its days.

    `by_day` None: evenly over the working days. Otherwise the average share of a past
    month's total that arrived on each day of the month (index 0 = the 1st, 31 entries),
    renormalised over the days a month has (a February folds nothing: its 29th–31st simply
    weigh nothing).

    `misses`: for each past month it was learnt from, how far that month's real running
    share strayed from this model's (learnt without that month) after k days (index k,
    0 to the month's length): what `share_error` reads to say how wrong the pace can be
    at a given point of a month. Empty when nothing was learnt (counts)."""

    by_day: tuple[float, ...] | None = None
    misses: tuple[tuple[float, ...], ...] = field(default=(), compare=False)

    @property
    def method(self) -> str:
        return "working_days" if self.by_day is None else "day_of_month"

    def weights(self, settings: CompanySettings, month: Period) -> list[float]:
        """Each day's share of the month's volume (summing to 1)."""
        if self.by_day is not None:
            weights = list(self.by_day[: month.days])
            total = sum(weights)
            if total > 0:
                return [w / total for w in weights]
        whole = _working_or_calendar_days(settings, month.start, month.end)
        counts_working = settings.working_days(month.start, month.end) > 0
        days = (month.start + dt.timedelta(days=i) for i in range(month.days))
        return [
            1 / whole if settings.is_working_day(day) or not counts_working else 0.0 for day in days
        ]

    def share_error(self, days: int) -> float | None:
        """The root mean square of the past months' misses after `days` days of a month
        (the months that have that many days), None when nothing was learnt."""
        misses = [m[days] for m in self.misses if days < len(m)]
        if not misses:
            return None
        return math.sqrt(sum(m * m for m in misses) / len(misses))


WORKING_DAYS = WithinMonth()


def learn_within_month(
    settings: CompanySettings, months: Sequence[tuple[Period, Sequence[float | None]]]
) -> WithinMonth:
    """The day-of-month profile of the past `months` (each a month and its daily values)
    when it tracks them better than working days do, else working days — with each past
    month's misses under the model kept (`WithinMonth.misses`).

    Each month is judged by a profile learnt from the *other* months (leave one out), by
    the mean gap between its real running share of the month and the model's, day by
    day; fewer than MIN_PROFILE_MONTHS months with a positive total: working days."""
    shares = []
    for month, daily in months:
        values = [v or 0.0 for v in daily][: month.days]
        total = sum(values)
        if total > 0 and len(values) == month.days:
            shares.append((month, [v / total for v in values] + [0.0] * (31 - len(values))))
    if len(shares) < MIN_PROFILE_MONTHS:
        return WORKING_DAYS
    count = len(shares)
    summed = [sum(day) for day in zip(*(s for _, s in shares), strict=True)]
    profile_misses, working_misses = [], []
    for month, own in shares:
        others = WithinMonth(tuple((t - o) / (count - 1) for t, o in zip(summed, own, strict=True)))
        real = own[: month.days]
        profile_misses.append(_running_misses(real, others.weights(settings, month)))
        working_misses.append(_running_misses(real, WORKING_DAYS.weights(settings, month)))
    if _mean_gap(profile_misses) >= _mean_gap(working_misses):
        return WithinMonth(None, tuple(working_misses))
    return WithinMonth(tuple(t / count for t in summed), tuple(profile_misses))


def _running_misses(real: Sequence[float], model: Sequence[float]) -> tuple[float, ...]:
    """The real running share of a month minus the model's, after 0, 1, … all its days."""
    misses, done, expected = [0.0], 0.0, 0.0
    for r, m in zip(real, model, strict=True):
        done, expected = done + r, expected + m
        misses.append(done - expected)
    return tuple(misses)


def _mean_gap(misses: Sequence[Sequence[float]]) -> float:
    """The mean absolute gap between real and modelled running share, day by day, of each
    month, summed over the months (each month weighing the same)."""
    return sum(sum(abs(m) for m in month[1:]) / (len(month) - 1) for month in misses)


def pace_error(
    settings: CompanySettings,
    period: Period,
    cut: dt.date,
    shares: Sequence[float],
    within: WithinMonth,
) -> float | None:
    """How wrong, relatively, the pace (value so far ÷ elapsed share) usually is as an
    estimate of the whole period at `cut`, from the past months `within` was learnt from.

    A past month whose running share was r after k days where the model said s is a pace
    off by r/s − 1 = (r − s)/s; in a longer period only the cut's month is uncertain, so
    the miss is that month's share × (r − s) over the period's elapsed share. The root
    mean square over the past months; None when there is nothing to learn it from."""
    elapsed = elapsed_share(settings, period, cut, shares, within)
    if not 0 < elapsed < 1:
        return None
    for month, share in zip(period.split("month"), shares, strict=True):
        if month.start <= cut < month.end:
            error = within.share_error((cut - month.start).days)
            return None if error is None else share * error / elapsed
    return None


def elapsed_share(
    settings: CompanySettings,
    period: Period,
    cut: dt.date,
    shares: Sequence[float],
    within: WithinMonth = WORKING_DAYS,
) -> float:
    """The share of the period's expected volume that falls before `cut` (0 to 1)."""
    if cut <= period.start:
        return 0.0
    if cut >= period.end:
        return 1.0
    weights = day_weights(settings, period, shares, within)
    return min(sum(weights[: (cut - period.start).days]), 1.0)


def day_weights(
    settings: CompanySettings,
    period: Period,
    shares: Sequence[float],
    within: WithinMonth = WORKING_DAYS,
) -> list[float]:
    """Each day's share of the period's expected volume (0 on days nothing is expected:
    days the company is closed, or past the 1st for invoices issued on the 1st)."""
    weights = []
    for month, share in zip(period.split("month"), shares, strict=True):
        weights += [share * w for w in within.weights(settings, month)]
    return weights


def expected_path(
    settings: CompanySettings,
    period: Period,
    shares: Sequence[float],
    target: float,
    kind: str,
    within: WithinMonth = WORKING_DAYS,
) -> list[tuple[dt.date, float]]:
    """(day, value expected by the end of that day) for every day of the period: the
    running share of the target for counts and sums, the target itself for the others."""
    path, running = [], 0.0
    for i, weight in enumerate(day_weights(settings, period, shares, within)):
        running += weight
        value = target * min(running, 1.0) if kind in ("count", "sum") else target
        path.append((period.start + dt.timedelta(days=i), value))
    return path


def months_before(day: dt.date, months: int) -> dt.date:
    """The first of the month `months` months before `day`'s month."""
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def _working_or_calendar_days(settings: CompanySettings, start: dt.date, end: dt.date) -> int:
    """Working days in [start, end); calendar days for a month without any (a company
    closed all August still has August's calendar)."""
    return settings.working_days(start, end) or (end - start).days
